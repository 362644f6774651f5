#![deny(warnings, missing_docs)]
//! Middleware of every kind compile without warnings in a user crate.

use armature::prelude::*;

/// The request's id.
#[derive(Clone)]
pub struct RequestId(pub String);

/// The caller.
#[derive(Clone)]
pub struct User(pub String);

mod mw {
    use super::*;

    /// Provides the id.
    #[middleware(independent)]
    pub async fn request_id(req: &RequestHead) -> RequestId {
        RequestId(req.header("x-request-id").unwrap_or("none").to_owned())
    }

    /// Checks the token.
    #[middleware(after(request_id))]
    pub async fn auth(req: &RequestHead, _id: Ext<RequestId>) -> Result<User, HttpError> {
        req.header("authorization")
            .map(|t| User(t.to_owned()))
            .ok_or_else(|| HttpError::unauthorized("no token"))
    }

    /// Rejects nothing.
    #[middleware(independent)]
    pub(crate) async fn rate(_: &RequestHead, _limit: State<u32>) -> Result<(), HttpError> {
        Ok(())
    }

    /// Wraps everything.
    #[middleware]
    pub async fn timing(req: Request, next: Next) -> Response {
        next.run(req).await
    }
}

/// A controller behind a pipeline.
pub struct Admin;

#[controller("/admin", middleware = pipeline![mw::auth, mw::request_id])]
impl Admin {
    #[get("/me")]
    async fn me(&self, user: Ext<User>) -> String {
        user.0 .0
    }
}

fn main() {
    // `crate = "…"` for re-exports of armature.
    let _p = armature::pipeline![crate = "::armature"; mw::timing];
    let _app = App::new()
        .state(10u32)
        .middleware(pipeline![mw::timing, mw::rate])
        .controller(Admin);
}
