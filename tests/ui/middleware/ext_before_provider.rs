use armature::prelude::*;

#[derive(Clone)]
struct CurrentUser(String);

#[middleware(independent)]
async fn auth(_: &RequestHead) -> CurrentUser {
    CurrentUser(String::new())
}

// Takes the user but does not declare `after(auth)`: both would run in the
// first stage, and the user would not exist yet.
#[middleware(independent)]
async fn audit(_: &RequestHead, user: Ext<CurrentUser>) {
    let _ = user.0 .0;
}

fn main() {
    let _ = App::new().middleware(pipeline![auth, audit]);
}
