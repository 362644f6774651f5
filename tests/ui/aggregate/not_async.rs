use armature::prelude::*;

#[aggregate]
fn totals(a: u64) -> u64 {
    a
}

fn main() {
    let _ = totals(1);
}
