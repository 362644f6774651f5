use armature::prelude::*;

fn not_async(_: &str) -> Result<(), ValidationError> {
    Ok(())
}

#[derive(Validate)]
struct Form {
    #[validate(custom_async = not_async)]
    handle: String,
}

fn main() {}
