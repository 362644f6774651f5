use armature::prelude::*;

// Every mistake is reported at once, each at its own token.
#[derive(Validate)]
struct Form {
    #[validate(emial)]
    email: String,
    #[validate(length(min = 9, max = 1))]
    name: String,
    #[validate(pattern = "(")]
    code: String,
    #[validate(must_match = nothing)]
    again: String,
}

fn main() {}
