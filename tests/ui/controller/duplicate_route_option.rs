use armature::prelude::*;

struct Pages;

#[controller]
impl Pages {
    #[get("/about", prerender, prerender)]
    async fn about(&self) -> &'static str {
        "about"
    }

    #[post("/upload", body_limit = "1 MiB", body_limit = 2048)]
    async fn upload(&self, body: Bytes) -> String {
        body.len().to_string()
    }
}

fn main() {}
