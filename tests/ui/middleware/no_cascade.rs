// A broken middleware is one error: a pipeline naming it adds none.
use armature::prelude::*;

#[middleware(independent)]
fn request_id(_: &RequestHead) {}

fn main() {
    let _app = App::new().middleware(pipeline![request_id]);
}
