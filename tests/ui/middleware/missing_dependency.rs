use armature::prelude::*;

#[derive(Clone)]
struct RequestId(String);

#[middleware(independent)]
async fn request_id(_: &RequestHead) -> RequestId {
    RequestId(String::new())
}

#[middleware(after(request_id))]
async fn auth(_: &RequestHead, _id: Ext<RequestId>) {}

fn main() {
    let _ = request_id;
    let _ = App::new().middleware(pipeline![auth]);
}
