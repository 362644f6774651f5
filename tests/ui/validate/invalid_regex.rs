use armature::prelude::*;

#[derive(Validate)]
struct Form {
    #[validate(pattern = "^[a-z+$")]
    name: String,
}

fn main() {}
