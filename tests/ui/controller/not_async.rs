use armature::prelude::*;

struct Users;

#[controller("/users")]
impl Users {
    #[get("/")]
    fn list(&self) -> &'static str {
        "[]"
    }
}

fn main() {}
