use armature::prelude::*;

#[derive(Validate)]
struct Profile {
    #[validate(email)]
    age: u32,
    #[validate(range(min = 1))]
    name: String,
    #[validate(length(max = 3))]
    score: f64,
    #[validate(required)]
    always: String,
    #[validate(each(length(max = 1)))]
    single: u8,
}

fn main() {}
