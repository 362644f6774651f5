//! Extractors reading the request head: the app's state, middleware
//! values, headers, method and URI. None touches the body.

use http::{HeaderMap, Method, Uri};

use super::{FromRequest, RequestContext};
use crate::http::response::Response;
use crate::middleware::FromHead;

/// A value registered with `App::state(value)`, cloned per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct State<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequest for State<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        <Self as FromHead>::from_head(ctx)
    }
}

/// A value a middleware provided for this request (request extensions).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ext<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequest for Ext<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        <Self as FromHead>::from_head(ctx)
    }
}

impl FromRequest for HeaderMap {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        Ok(ctx.parts.headers.clone())
    }
}

impl FromRequest for Method {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        Ok(ctx.parts.method.clone())
    }
}

impl FromRequest for Uri {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        Ok(ctx.parts.uri.clone())
    }
}
