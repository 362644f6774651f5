use armature::prelude::*;

#[derive(Validate)]
struct Form {
    #[validate(email, length(max = 64))]
    #[validate(email)]
    email: String,
}

fn main() {}
