//! The application: controllers, middleware and state assembled into a
//! service.
//!
//! [`App`] is the builder. [`App::build`] checks everything (route
//! conflicts, `Ext<T>` and `State<T>` wiring) and returns an
//! [`AppService`], which answers `http::Request`s in process — no socket:
//! static pre-rendering, tests, embedding in another server. [`App::bind`]
//! hands the same service to an [`http::Server`](crate::http::Server).
//! A request's way is server -> app -> middleware -> router -> handler;
//! each layer knows only the one below it.

mod pages;
mod service;

use std::sync::Arc;

use tokio::net::{TcpListener, ToSocketAddrs};

use crate::http::{BodyLimits, Controller, RouteDef, Router, Server, ServerConfig, StateMap};
use crate::middleware::{self, DynPipeline, Pipeline};
use crate::shutdown::Shutdown;

pub use service::{AppService, RouteInfo};

/// Why an `App` could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Two routes cannot both be served.
    #[error("{0}")]
    Routes(String),
    /// A middleware or handler takes an `Ext<T>` no earlier middleware
    /// provides, or a `State<T>` nobody registered.
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
/// # async fn run() -> Result<(), armature_runtime::app::AppError> {
/// use armature_runtime::app::App;
/// App::new().serve("127.0.0.1:3000").await
/// # }
/// ```
#[derive(Default)]
pub struct App {
    routes: Vec<RouteDef>,
    state: StateMap,
    config: ServerConfig,
    pipeline: Option<Arc<dyn DynPipeline>>,
    shutdown: Option<Shutdown>,
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

    /// Registers the renderer handlers reach with the
    /// [`Ssr`](crate::ssr::Ssr) extractor (one per app; a second call
    /// replaces the first).
    pub fn renderer<R: crate::ssr::Renderer>(self, renderer: R) -> Self {
        self.shared_renderer(Arc::new(renderer))
    }

    /// [`App::renderer`] with a renderer shared elsewhere too.
    pub fn shared_renderer(mut self, renderer: Arc<dyn crate::ssr::Renderer>) -> Self {
        self.state.insert(crate::ssr::SharedRenderer(renderer));
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

    /// Stops the server of [`App::bind`] / [`App::serve`] when `token` is
    /// triggered, so one token can stop the server and the app's other
    /// long-running parts (job workers) together.
    pub fn shutdown_on(mut self, token: Shutdown) -> Self {
        self.shutdown = Some(token);
        self
    }

    /// The routes mounted so far.
    pub fn routes(&self) -> &[RouteDef] {
        &self.routes
    }

    /// Checks the app and returns it as a service: conflicting routes, an
    /// `Ext<T>` nobody provides before its taker and a `State<T>` nobody
    /// registered are errors naming the route or middleware.
    pub fn build(self) -> Result<AppService, AppError> {
        self.assemble().map(|(service, _, _)| service)
    }

    fn assemble(self) -> Result<(AppService, ServerConfig, Option<Shutdown>), AppError> {
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
        let routes = self.routes.iter().map(RouteInfo::of).collect();
        // Conflicting routes first: the structural mistake is the one to fix first.
        let router =
            Router::build(self.routes, self.config.body_limit).map_err(AppError::Routes)?;
        for (route, steps) in &chains {
            middleware::check_route(&app_steps, steps, |id| self.state.contains(id))
                .map_err(|e| AppError::Middleware(format!("{route}: {e}")))?;
        }
        let service = AppService::new(
            router,
            routes,
            self.state,
            self.pipeline,
            BodyLimits {
                max_bytes: self.config.body_limit,
                deadline: self.config.body_read_timeout,
            },
        );
        Ok((service, self.config, self.shutdown))
    }

    /// [`App::build`], then binds the address.
    pub async fn bind(
        self,
        addr: impl ToSocketAddrs + std::fmt::Debug,
    ) -> Result<Server<AppService>, AppError> {
        let shown = format!("{addr:?}");
        // Checked before binding: a mistake in the app is the one to report.
        let assembled = self.assemble()?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| AppError::Bind {
                addr: shown,
                source,
            })?;
        Ok(server_on(listener, assembled))
    }

    /// [`App::build`], then serves on a listener bound already: a socket
    /// handed over by a service manager, or one a test bound to port 0
    /// and learned the address of before starting.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use armature_runtime::app::App;
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let server = App::new().listen(listener)?;
    /// server.run().await?;
    /// # Ok(()) }
    /// ```
    pub fn listen(self, listener: TcpListener) -> Result<Server<AppService>, AppError> {
        Ok(server_on(listener, self.assemble()?))
    }

    /// Binds and serves until ctrl-c or SIGTERM (or the token of
    /// [`App::shutdown_on`]), then drains in-flight requests (up to
    /// `ServerConfig::shutdown_grace`).
    pub async fn serve(self, addr: impl ToSocketAddrs + std::fmt::Debug) -> Result<(), AppError> {
        let server = self.bind(addr).await?;
        let token = server.shutdown_handle();
        let signal = Shutdown::on_signal();
        tokio::spawn(async move {
            tokio::select! {
                () = signal.wait() => token.shutdown(),
                () = token.wait() => signal.shutdown(),
            }
        });
        server.run().await.map_err(AppError::Io)
    }
}

fn server_on(
    listener: TcpListener,
    (service, config, shutdown): (AppService, ServerConfig, Option<Shutdown>),
) -> Server<AppService> {
    Server::new(
        listener,
        Arc::new(service),
        config,
        shutdown.unwrap_or_default(),
    )
}
