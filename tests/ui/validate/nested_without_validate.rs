use armature::prelude::*;

struct Address {
    zip: String,
}

#[derive(Validate)]
struct Form {
    #[validate(nested)]
    address: Address,
}

fn main() {
    let _ = Address { zip: String::new() }.zip;
}
