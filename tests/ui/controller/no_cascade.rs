// A broken controller is one error: mounting it adds none.
use armature::prelude::*;

#[derive(Clone)]
struct Users;

#[controller("/users")]
impl Users {
    #[get("/{id}")]
    fn show(&self, Path(id): Path<u64>) -> String {
        id.to_string()
    }
}

fn main() {
    let _app = App::new().controller(Users);
}
