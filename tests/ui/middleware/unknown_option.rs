use armature::prelude::*;

#[middleware(independant)]
async fn request_id(_: &RequestHead) {}

fn main() {}
