use armature::prelude::*;

#[derive(Validate)]
struct SignUp {
    #[validate(emial)]
    email: String,
    #[validate(lenght(min = 1), frobnicate = 3)]
    name: String,
}

fn main() {}
