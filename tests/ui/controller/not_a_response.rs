use armature::prelude::*;

struct Users;

struct User;

#[controller("/users")]
impl Users {
    #[get("/me")]
    async fn me(&self) -> User {
        User
    }
}

fn main() {}
