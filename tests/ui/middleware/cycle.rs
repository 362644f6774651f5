use armature::prelude::*;

#[middleware(after(audit))]
async fn auth(_: &RequestHead) {}

#[middleware(after(session))]
async fn audit(_: &RequestHead) {}

#[middleware(after(auth))]
async fn session(_: &RequestHead) {}

fn main() {
    let _ = App::new().middleware(pipeline![auth, audit, session]);
}
