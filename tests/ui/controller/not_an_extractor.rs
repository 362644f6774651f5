use armature::prelude::*;

struct Users;

struct Session {
    user: u64,
}

#[controller("/users")]
impl Users {
    #[get("/me")]
    async fn me(&self, session: Session) -> String {
        session.user.to_string()
    }
}

fn main() {}
