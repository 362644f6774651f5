use armature::prelude::*;

#[middleware(independent)]
async fn request_id(_: &RequestHead) {}

#[middleware(independent, after(request_id))]
async fn auth(_: &RequestHead) {}

fn main() {}
