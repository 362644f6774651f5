use armature::prelude::*;

struct Users;

#[controller("/users")]
impl Users {
    #[get("/{id}")]
    async fn show(&self, Path(id): Path<u64>) -> String {
        id.to_string()
    }

    #[get("/{id}")]
    async fn show_again(&self, Path(id): Path<u64>) -> String {
        id.to_string()
    }
}

fn main() {}
