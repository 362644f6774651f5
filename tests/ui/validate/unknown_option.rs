use armature::prelude::*;

#[derive(Validate)]
struct SignUp {
    #[validate(length(mni = 1, max = 3))]
    name: String,
    #[validate(pattern(regexp = "^a"))]
    code: String,
    #[validate(email = "yes")]
    email: String,
}

fn main() {}
