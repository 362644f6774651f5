//! HTTP: controllers' routes served by hyper, with typed extractors,
//! responses, limits, timeouts and graceful shutdown.

mod body;
mod config;
mod connection;
mod deadline;
pub(crate) mod error;
mod extract;
mod head;
mod params;
mod response;
mod router;
mod server;

pub use body::{BodyLimits, RequestBody};
pub use config::ServerConfig;
pub use error::HttpError;
pub use extract::{Ext, Form, FromRequest, Path, Query, RequestContext, State, Valid, ValidTarget};
pub use head::RequestHead;
pub(crate) use head::StateMap;
pub use http::{HeaderMap, Method, StatusCode, Uri};
pub use params::PathParams;
pub use response::{Body, BoxError, Html, IntoResponse, Json, Response};
pub use router::{Controller, Handler, HandlerFuture, RouteDef};
pub(crate) use router::{Dispatch, Router};
pub use server::{HttpService, Server};
