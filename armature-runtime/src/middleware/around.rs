//! Around members: `(Request, Next) -> Response`, wrapping the stages.

use std::future::Future;

use futures::future::BoxFuture;

use crate::http::{RequestContext, Response};

/// The request an around middleware receives and passes on: the head
/// (mutable here) and the unread body.
pub type Request = RequestContext;

/// The rest of the pipeline and the handler, for an around middleware to
/// call (or not, to answer by itself).
///
/// Around members cost one boxed continuation and one boxed future per
/// request each: `Next` is a plain type in the user's signature, so what
/// it runs is erased. Independent and ordered members cost no allocation.
pub struct Next {
    run: Box<dyn FnOnce(Request) -> BoxFuture<'static, Response> + Send>,
}

impl Next {
    /// Wraps what runs next.
    pub fn new<F, Fut>(run: F) -> Self
    where
        F: FnOnce(Request) -> Fut + Send + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        Next {
            run: Box::new(move |req| Box::pin(run(req))),
        }
    }

    /// Runs the rest of the pipeline and the handler.
    pub async fn run(self, req: Request) -> Response {
        (self.run)(req).await
    }

    pub(crate) fn into_future(self, req: Request) -> BoxFuture<'static, Response> {
        (self.run)(req)
    }
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Next")
    }
}

/// An around middleware: `#[middleware] async fn m(req: Request, next:
/// Next) -> Response` implements it on a marker type, and
/// [`TowerLayer`](super::TowerLayer) for a `tower::Layer`.
pub trait Around: Send + Sync + 'static {
    /// The name shown in errors and logs.
    fn name(&self) -> &'static str;
    /// Runs around the rest of the pipeline.
    fn call(&self, req: Request, next: Next) -> impl Future<Output = Response> + Send + '_;
}
