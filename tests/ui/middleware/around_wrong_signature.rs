use armature::prelude::*;

#[middleware]
async fn timing(req: &RequestHead) {
    let _ = req;
}

fn main() {}
