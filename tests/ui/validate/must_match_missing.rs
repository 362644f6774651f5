use armature::prelude::*;

#[derive(Validate)]
struct Form {
    password: String,
    #[validate(must_match = pasword)]
    password_confirm: String,
}

fn main() {}
