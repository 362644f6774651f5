use armature::prelude::*;

struct Users;

#[controller("/users")]
impl Users {
    #[get("/{id")]
    async fn show(&self) -> &'static str {
        "unbalanced"
    }

    #[get("/{user-id}/posts")]
    async fn posts(&self) -> &'static str {
        "not an identifier"
    }

    #[get("/files/{*rest}/x")]
    async fn files(&self) -> &'static str {
        "catch-all not last"
    }
}

fn main() {}
