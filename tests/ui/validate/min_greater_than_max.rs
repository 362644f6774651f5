use armature::prelude::*;

#[derive(Validate)]
struct Form {
    #[validate(length(min = 10, max = 3))]
    name: String,
    #[validate(range(min = 5.5, max = -1))]
    ratio: f64,
    #[validate(length(equal = 2, max = 4))]
    code: String,
}

fn main() {}
