#![deny(warnings)]
//! A controller with every extractor compiles warning-free.

use armature::prelude::*;

/// Users.
#[derive(Clone, Default)]
pub struct Users;

#[derive(serde::Deserialize, Validate)]
struct New {
    #[validate(length(min = 1))]
    name: String,
}

#[derive(serde::Deserialize)]
struct Page {
    limit: Option<u32>,
}

#[controller("/users", crate = "armature")]
impl Users {
    #[get("/{id}")]
    async fn show(&self, Path(id): Path<u64>) -> Result<Json<u64>, HttpError> {
        Ok(Json(id))
    }

    #[post("/", body_limit = "1 MiB")]
    async fn create(&self, Valid(Json(new)): Valid<Json<New>>) -> (StatusCode, String) {
        (StatusCode::CREATED, new.name)
    }

    #[get("/")]
    async fn list(&self, Query(page): Query<Page>, headers: HeaderMap, method: Method, uri: Uri) -> String {
        format!("{:?} {} {method} {uri}", page.limit, headers.len())
    }

    #[put("/{org}/{n}")]
    async fn form(&self, Path((org, n)): Path<(String, u32)>, Form(f): Form<Page>) -> Html<String> {
        Html(format!("{org} {n} {:?}", f.limit))
    }

    #[delete("/{*rest}")]
    async fn rest(&self, Path(rest): Path<String>, State(n): State<u8>, body: Bytes) -> StatusCode {
        let _ = (rest, n, body);
        StatusCode::NO_CONTENT
    }

    #[get("/about", prerender)]
    async fn about(&self) -> &'static str {
        "about"
    }

    /// Not a route: left alone.
    pub fn helper(&self) -> u8 {
        1
    }
}

fn main() {
    let _ = App::new().controller(Users).state(1u8);
    let _ = Users.helper();
}
