use armature::prelude::*;

fn returns_bool(_: &str) -> bool {
    true
}

#[derive(Validate)]
struct Form {
    #[validate(custom = returns_bool)]
    name: String,
}

fn main() {}
