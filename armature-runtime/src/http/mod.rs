//! HTTP: controllers' routes served by hyper, with typed extractors,
//! responses, limits, timeouts and graceful shutdown.

pub(crate) mod app;
mod body;
mod config;
pub(crate) mod error;
mod extract;
mod head;
mod params;
mod response;
mod router;
mod server;

pub use app::{App, AppError, Controller};
pub use body::{BodyLimits, RequestBody};
pub use config::ServerConfig;
pub use error::HttpError;
pub use extract::{Ext, Form, FromRequest, Path, Query, RequestContext, State, Valid, ValidTarget};
pub use head::RequestHead;
pub use http::{HeaderMap, Method, StatusCode, Uri};
pub use params::PathParams;
pub use response::{Body, Html, IntoResponse, Json, Response};
pub use router::{Handler, HandlerFuture, RouteDef};
pub use server::{Server, ShutdownHandle};
