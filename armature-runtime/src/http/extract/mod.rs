//! Extractors: handler parameters built from the request. This file holds
//! what every extractor reads ([`RequestContext`]) and the trait; each
//! family of extractors has its own file: the URI (`Path`, `Query`), the
//! body (`Json`, `Form`, `Bytes`), the head (`State`, `Ext`, `HeaderMap`,
//! `Method`, `Uri`), and validation (`Valid`).

mod head;
mod payload;
mod uri;
mod valid;

pub use head::{Ext, State};
pub use payload::Form;
pub use uri::{Path, Query};
pub use valid::{Valid, ValidTarget};

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;

use super::body::{self, BodyLimits, RequestBody};
use super::error::HttpError;
use super::head::{RequestHead, StateMap};
use super::params::PathParams;
use super::response::Response;

/// Everything an extractor can read: the request head (which it derefs
/// to), its body (once), and the route's path parameters.
pub struct RequestContext {
    head: RequestHead,
    body: Option<RequestBody>,
    params: PathParams,
    limits: BodyLimits,
}

impl std::ops::Deref for RequestContext {
    type Target = RequestHead;
    fn deref(&self) -> &RequestHead {
        &self.head
    }
}

impl std::ops::DerefMut for RequestContext {
    fn deref_mut(&mut self) -> &mut RequestHead {
        &mut self.head
    }
}

impl RequestContext {
    pub(crate) fn new(head: RequestHead, body: RequestBody, limits: BodyLimits) -> Self {
        Self {
            head,
            body: Some(body),
            params: PathParams::default(),
            limits,
        }
    }

    /// A request built in-process (tests, benches, internal calls): no
    /// peer, no state, the default limits.
    pub fn from_request(request: http::Request<Bytes>) -> Self {
        let (parts, body) = request.into_parts();
        let limits = BodyLimits {
            max_bytes: usize::MAX,
            deadline: std::time::Duration::from_secs(30),
        };
        Self::new(
            RequestHead::new(parts, None, Arc::default()),
            RequestBody::Full(body),
            limits,
        )
    }

    /// The head: what middleware see.
    pub fn head(&self) -> &RequestHead {
        &self.head
    }

    /// Called once the router matched: the route's parameters and limits.
    pub(crate) fn routed(&mut self, params: PathParams, body_limit: usize) {
        self.params = params;
        self.limits.max_bytes = body_limit;
    }

    /// Splits into an `http::Request` (for tower services) and what it
    /// does not carry; [`RequestContext::rejoin`] puts them back together.
    pub(crate) fn split(self) -> (http::Request<RequestBody>, ContextRest) {
        let RequestContext {
            head,
            body,
            params,
            limits,
        } = self;
        let rest = ContextRest {
            peer: head.peer_addr(),
            state: head.state_map(),
            params,
            limits,
        };
        (
            http::Request::from_parts(head.parts, body.unwrap_or_default()),
            rest,
        )
    }

    pub(crate) fn rejoin(request: http::Request<RequestBody>, rest: ContextRest) -> Self {
        let (parts, body) = request.into_parts();
        let mut ctx = Self::new(
            RequestHead::new(parts, rest.peer, rest.state),
            body,
            rest.limits,
        );
        ctx.params = rest.params;
        ctx
    }

    /// The matched route's path parameters.
    pub fn params(&self) -> &PathParams {
        &self.params
    }

    /// Reads the whole body within the route's size limit and deadline.
    /// A second call is an error: a body can be read once.
    pub async fn read_body(&mut self) -> Result<Bytes, HttpError> {
        let body = self.take_body()?;
        body::read(body, &self.parts.headers, self.limits).await
    }

    /// Takes the body to stream it (an extractor that reads it
    /// incrementally, within [`RequestContext::body_limits`]).
    pub(crate) fn take_body(&mut self) -> Result<RequestBody, HttpError> {
        self.body.take().ok_or_else(|| {
            HttpError::internal("the request body was already read by another extractor")
        })
    }

    /// The route's body size limit and deadline.
    pub(crate) fn body_limits(&self) -> BodyLimits {
        self.limits
    }

    fn require_content_type(
        &self,
        expected: &str,
        also: impl Fn(&str) -> bool,
    ) -> Result<(), HttpError> {
        let given = self
            .parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = given.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case(expected) || also(essence) {
            Ok(())
        } else if given.is_empty() {
            Err(HttpError::unsupported_media_type(format!(
                "expected `Content-Type: {expected}`"
            )))
        } else {
            Err(HttpError::unsupported_media_type(format!(
                "expected `Content-Type: {expected}`, got `{given}`"
            )))
        }
    }
}

/// A handler parameter built from the request.
///
/// ```
/// use armature_runtime::http::{FromRequest, HttpError, IntoResponse, RequestContext, Response};
///
/// /// The caller's API key, from the `x-api-key` header.
/// struct ApiKey(String);
///
/// impl FromRequest for ApiKey {
///     async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
///         match ctx.parts.headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
///             Some(key) => Ok(ApiKey(key.to_owned())),
///             None => Err(HttpError::unauthorized("missing x-api-key").into_response()),
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted from a request",
    label = "this parameter's type is not an extractor",
    note = "route parameters must implement `armature::FromRequest`: use `Path<T>`, `Query<T>`, `Json<T>`, `Form<T>`, `Multipart`, `Valid<E>`, `State<T>`, `Ext<T>`, `Ssr`, `HeaderMap`, `Method`, `Uri` or `Bytes`, or implement `FromRequest` for your type"
)]
pub trait FromRequest: Sized {
    /// Builds the value, or the response that rejects the request.
    fn from_request(
        ctx: &mut RequestContext,
    ) -> impl Future<Output = Result<Self, Response>> + Send;
}

/// What an `http::Request` does not carry across a tower service.
#[derive(Clone)]
pub(crate) struct ContextRest {
    peer: Option<std::net::SocketAddr>,
    state: Arc<StateMap>,
    params: PathParams,
    limits: BodyLimits,
}
