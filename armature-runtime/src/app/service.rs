//! The built app: a service answering requests, with or without a socket.

use std::any::Any;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use futures::future::Either;
use http::{Method, Request};
use tracing::Instrument;

use crate::http::{
    BodyLimits, Dispatch, HttpService, RequestBody, RequestContext, RequestHead, Response,
    RouteDef, Router, StateMap,
};
use crate::middleware::DynPipeline;

/// A route of a built app, as [`AppService::routes`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// The HTTP method.
    pub method: Method,
    /// The full path: `/users/{id}`.
    pub path: String,
    /// `Controller::method`.
    pub name: &'static str,
    /// Whether the route was declared with `prerender`: static
    /// pre-rendering renders these by calling the app in process.
    pub prerender: bool,
}

impl RouteInfo {
    pub(super) fn of(route: &RouteDef) -> Self {
        RouteInfo {
            method: route.method.clone(),
            path: route.path.clone(),
            name: route.name,
            prerender: route.prerender,
        }
    }
}

/// An app that passed every check of [`App::build`](super::App::build):
/// answers requests in process with [`AppService::handle`], and is what a
/// [`Server`](crate::http::Server) serves. Cheap to share behind an `Arc`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use armature_runtime::app::App;
/// let app = App::new().build().unwrap();
/// let response = app.handle(http::Request::get("/nowhere").body(()).unwrap()).await;
/// assert_eq!(response.status(), 404);
/// # }
/// ```
pub struct AppService {
    router: Arc<Router>,
    routes: Vec<RouteInfo>,
    state: Arc<StateMap>,
    pipeline: Option<Arc<dyn DynPipeline>>,
    limits: BodyLimits,
}

impl AppService {
    pub(super) fn new(
        router: Router,
        routes: Vec<RouteInfo>,
        state: StateMap,
        pipeline: Option<Arc<dyn DynPipeline>>,
        limits: BodyLimits,
    ) -> Self {
        AppService {
            router: Arc::new(router),
            routes,
            state: Arc::new(state),
            pipeline,
            limits,
        }
    }

    /// Every route, in mount order.
    pub fn routes(&self) -> &[RouteInfo] {
        &self.routes
    }

    /// A value registered with `App::state`.
    pub fn state<T: Any>(&self) -> Option<&T> {
        self.state.get::<T>()
    }

    /// Answers one request in process: the app-wide middleware, routing,
    /// the handler — the same way as through a socket, without a peer
    /// address.
    pub async fn handle<B: Into<RequestBody>>(&self, request: Request<B>) -> Response {
        let (parts, body) = request.into_parts();
        self.start(parts, body.into(), None).await
    }

    /// Routes the request (or hands it to the app-wide middleware) before
    /// anything is awaited.
    fn start(
        &self,
        parts: http::request::Parts,
        body: RequestBody,
        peer: Option<SocketAddr>,
    ) -> Dispatch {
        // The router narrows the limit to the route's once matched.
        let head = RequestHead::new(parts, peer, self.state.clone());
        let ctx = RequestContext::new(head, body, self.limits);
        match &self.pipeline {
            None => self.router.dispatch(ctx),
            Some(pipeline) => Dispatch::Running(pipeline.run_dyn(ctx, Arc::clone(&self.router))),
        }
    }
}

impl HttpService for AppService {
    fn call(
        &self,
        request: Request<hyper::body::Incoming>,
        peer: SocketAddr,
    ) -> impl Future<Output = Response> + Send + use<> {
        // No subscriber wants INFO: no span, no clock. (Checked first: with
        // tracing's `log` feature, which axum and actix turn on, even a
        // disabled span formats its fields for `log` until a subscriber
        // is set.)
        let span = if tracing::level_enabled!(tracing::Level::INFO) {
            tracing::info_span!(
                "request",
                method = %request.method(),
                path = %request.uri().path(),
                %peer,
                status = tracing::field::Empty,
                latency_us = tracing::field::Empty,
            )
        } else {
            tracing::Span::none()
        };
        let (parts, body) = request.into_parts();
        let body = RequestBody::Incoming(body);
        if span.is_disabled() {
            return Either::Left(self.start(parts, body, Some(peer)));
        }
        let start = Instant::now();
        let dispatch = span.in_scope(|| self.start(parts, body, Some(peer)));
        Either::Right(async move {
            let response = dispatch.instrument(span.clone()).await;
            span.record("status", response.status().as_u16());
            span.record("latency_us", start.elapsed().as_micros() as u64);
            response
        })
    }
}
