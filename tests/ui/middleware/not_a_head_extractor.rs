use armature::prelude::*;

#[middleware(independent)]
async fn reads_body(_: &RequestHead, body: Json<String>) {
    let _ = body;
}

fn main() {}
