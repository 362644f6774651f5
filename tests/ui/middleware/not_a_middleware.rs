use armature::prelude::*;

async fn plain(_: &RequestHead) {}

fn main() {
    let _ = plain;
    let _ = App::new().middleware(pipeline![plain]);
}
