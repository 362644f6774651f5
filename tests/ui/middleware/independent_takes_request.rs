use armature::prelude::*;

#[middleware(independent)]
async fn by_value(req: Request) {
    let _ = req;
}

#[middleware(independent)]
async fn by_mut(req: &mut RequestHead) {
    let _ = req;
}

#[middleware(independent)]
async fn with_next(req: &RequestHead, next: Next) {
    let _ = (req, next);
}

fn main() {}
