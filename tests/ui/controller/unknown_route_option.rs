use armature::prelude::*;

struct Pages;

#[controller]
impl Pages {
    #[get("/about", prerendr)]
    async fn about(&self) -> &'static str {
        "about"
    }

    #[post("/upload", body_limit = "10 parsecs")]
    async fn upload(&self, body: Bytes) -> String {
        body.len().to_string()
    }
}

fn main() {}
