use armature::prelude::*;

#[aggregate]
struct Dashboard {
    user: String,
}

fn main() {}
