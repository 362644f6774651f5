use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use http::Request;
use tokio::net::{TcpListener, ToSocketAddrs};
use tracing::Instrument;

use super::body::{BodyLimits, RequestBody};
use super::config::ServerConfig;
use super::error::{HttpError, method_not_allowed};
use super::extract::RequestContext;
use super::head::{RequestHead, StateMap};
use super::response::{IntoResponse, Response};
use super::router::{Lookup, RouteDef, Router};
use super::server::Server;
use crate::middleware::{self, DynPipeline, Pipeline};

/// A type whose `#[controller]` impl declares routes.
pub trait Controller: Send + Sync + 'static {
    /// The routes, with their handlers bound to this controller.
    fn routes(self: Arc<Self>) -> Vec<RouteDef>;
}

/// Why an `App` could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Two routes cannot both be served.
    #[error("{0}")]
    Routes(String),
    /// A middleware or handler takes an `Ext<T>` no earlier middleware provides.
    #[error("{0}")]
    Middleware(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// What was asked for.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// An application: controllers, state and server settings.
///
/// ```no_run
/// # async fn run() -> Result<(), armature_runtime::http::AppError> {
/// use armature_runtime::http::App;
/// App::new().serve("127.0.0.1:3000").await
/// # }
/// ```
#[derive(Default)]
pub struct App {
    routes: Vec<RouteDef>,
    state: StateMap,
    config: ServerConfig,
    pipeline: Option<Arc<dyn DynPipeline>>,
}

impl App {
    /// An empty application with the default [`ServerConfig`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Mounts a controller's routes.
    pub fn controller<C: Controller>(mut self, controller: C) -> Self {
        self.routes.extend(Arc::new(controller).routes());
        self
    }

    /// Adds one route (what `#[controller]` generates, for hand-built routes).
    pub fn route(mut self, route: RouteDef) -> Self {
        self.routes.push(route);
        self
    }

    /// Registers a value handlers receive with `State<T>`.
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// Runs `pipeline` (built with `pipeline![…]`) around every request,
    /// before routing: its members also see requests that end in 404/405.
    /// A second call replaces the first. See the `armature` crate's
    /// "Middleware" section for the attributes and `pipeline!`.
    pub fn middleware<P: Pipeline>(mut self, pipeline: P) -> Self {
        self.pipeline = Some(middleware::erase(pipeline));
        self
    }

    /// Replaces the server settings.
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the app-wide body limit in bytes.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.config.body_limit = bytes;
        self
    }

    /// The routes mounted so far.
    pub fn routes(&self) -> &[RouteDef] {
        &self.routes
    }

    /// Builds the router and binds the address; conflicting routes are an
    /// error naming both.
    pub async fn bind(
        self,
        addr: impl ToSocketAddrs + std::fmt::Debug,
    ) -> Result<Server, AppError> {
        let shown = format!("{addr:?}");
        let app_steps = self
            .pipeline
            .as_ref()
            .map(|p| p.steps())
            .unwrap_or_default();
        let chains: Vec<(String, Vec<middleware::Step>)> = self
            .routes
            .iter()
            .map(|r| (format!("route {} {}", r.method, r.path), r.steps.clone()))
            .collect();
        // Conflicting routes first: the structural mistake is the one to fix first.
        let router = Router::build(self.routes).map_err(AppError::Routes)?;
        for (route, steps) in &chains {
            middleware::check_route(&app_steps, steps, |id| self.state.contains(id))
                .map_err(|e| AppError::Middleware(format!("{route}: {e}")))?;
        }
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| AppError::Bind {
                addr: shown,
                source,
            })?;
        let handler = Arc::new(AppHandler {
            router,
            state: Arc::new(self.state),
            config: self.config,
            pipeline: self.pipeline,
        });
        Ok(Server::new(listener, handler))
    }

    /// Binds and serves until ctrl-c or SIGTERM, then drains in-flight
    /// requests (up to `ServerConfig::shutdown_grace`).
    pub async fn serve(self, addr: impl ToSocketAddrs + std::fmt::Debug) -> Result<(), AppError> {
        let server = self.bind(addr).await?;
        let handle = server.shutdown_handle();
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutdown signal received: draining");
            handle.shutdown();
        });
        server.run().await.map_err(AppError::Io)
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// What every connection shares: the router, state and settings.
pub(crate) struct AppHandler {
    router: Router,
    state: Arc<StateMap>,
    pub(crate) config: ServerConfig,
    pipeline: Option<Arc<dyn DynPipeline>>,
}

impl AppHandler {
    pub(crate) async fn handle(
        self: &Arc<Self>,
        request: Request<hyper::body::Incoming>,
        peer: SocketAddr,
    ) -> Response {
        let start = Instant::now();
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            %peer,
            status = tracing::field::Empty,
            latency_us = tracing::field::Empty,
        );
        let (parts, body) = request.into_parts();
        let limits = BodyLimits {
            max_bytes: self.config.body_limit,
            deadline: self.config.body_read_timeout,
        };
        let head = RequestHead::new(parts, Some(peer), self.state.clone());
        let ctx = RequestContext::new(head, RequestBody::Incoming(body), limits);
        let response = match &self.pipeline {
            None => self.dispatch(ctx).instrument(span.clone()).await,
            Some(pipeline) => {
                pipeline
                    .run_dyn(ctx, Arc::clone(self))
                    .instrument(span.clone())
                    .await
            }
        };
        span.record("status", response.status().as_u16());
        span.record("latency_us", start.elapsed().as_micros() as u64);
        response
    }

    pub(crate) async fn dispatch(&self, mut ctx: RequestContext) -> Response {
        match self.router.lookup(&ctx.parts.method, ctx.parts.uri.path()) {
            Lookup::Found(endpoint, params) => {
                ctx.routed(
                    params,
                    endpoint.body_limit.unwrap_or(self.config.body_limit),
                );
                (endpoint.handler)(ctx).await
            }
            Lookup::MethodNotAllowed(allow) => method_not_allowed(allow),
            Lookup::NotFound => {
                HttpError::not_found(format!("no route for {}", ctx.parts.uri.path()))
                    .into_response()
            }
        }
    }
}
