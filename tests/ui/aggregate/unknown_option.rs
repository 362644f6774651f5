use armature::prelude::*;

async fn one() -> u64 {
    1
}

#[aggregate(sequentail(db))]
async fn totals() -> u64 {
    let a = one().await;
    let b = one().await;
    a + b
}

fn main() {
    let _ = totals();
}
