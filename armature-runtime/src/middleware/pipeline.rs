//! A pipeline as `pipeline![…]` builds it: a type composed at compile time.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::http::{RequestContext, Response, Router};

use super::check::Step;

/// Middleware composed by `pipeline![…]`: around members, then stages,
/// then `inner` (the router or a route's handler).
///
/// The future is one concrete type: a controller's pipeline lives inside
/// the route's handler future (boxed once, by the route), the app-wide one
/// is boxed once per request.
pub trait Pipeline: Send + Sync + 'static {
    /// Runs the pipeline, then `inner` unless a member rejected.
    fn run<F, Fut>(
        self: &Arc<Self>,
        req: RequestContext,
        inner: F,
    ) -> impl Future<Output = Response> + Send + 'static
    where
        F: FnOnce(RequestContext) -> Fut + Send + 'static,
        Fut: Future<Output = Response> + Send + 'static;

    /// Every member, with its stage, for the `Ext<T>` check at bind time.
    fn steps(&self) -> Vec<Step>;
}

/// The app-wide pipeline behind a pointer, around the router (the layer
/// below it: a request never goes back up to the app).
pub(crate) trait DynPipeline: Send + Sync {
    fn run_dyn(&self, req: RequestContext, inner: Arc<Router>) -> BoxFuture<'static, Response>;
    fn steps(&self) -> Vec<Step>;
}

struct Erased<P>(Arc<P>);

impl<P: Pipeline> DynPipeline for Erased<P> {
    fn run_dyn(&self, req: RequestContext, inner: Arc<Router>) -> BoxFuture<'static, Response> {
        Box::pin(self.0.run(req, move |req| inner.dispatch(req)))
    }

    fn steps(&self) -> Vec<Step> {
        self.0.steps()
    }
}

pub(crate) fn erase<P: Pipeline>(pipeline: P) -> Arc<dyn DynPipeline> {
    Arc::new(Erased(Arc::new(pipeline)))
}
