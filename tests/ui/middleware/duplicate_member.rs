use armature::prelude::*;

#[middleware(independent)]
async fn request_id(_: &RequestHead) {}

#[middleware(after(request_id))]
async fn auth(_: &RequestHead) {}

fn main() {
    let _ = App::new().middleware(pipeline![request_id, auth, request_id]);
}
