//! Extractors: handler parameters built from the request.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};
use serde::de::DeserializeOwned;

use super::body::{self, BodyLimits, RequestBody};
use super::error::HttpError;
use super::head::{RequestHead, StateMap};
use super::params::{ParamsDeserializer, PathParams};
use super::response::{IntoResponse, Json, Response};
use crate::middleware::FromHead;
use crate::validation::{AsyncValidate, Validate};

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
        let body = self.body.take().ok_or_else(|| {
            HttpError::internal("the request body was already read by another extractor")
        })?;
        body::read(body, &self.parts.headers, self.limits).await
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
    note = "route parameters must implement `armature::FromRequest`: use `Path<T>`, `Query<T>`, `Json<T>`, `Form<T>`, `Valid<E>`, `State<T>`, `Ext<T>`, `HeaderMap`, `Method`, `Uri` or `Bytes`, or implement `FromRequest` for your type"
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

/// Path parameters: `Path<u64>`, `Path<(String, u32)>` or a serde struct.
/// A value of the wrong type is a 400 naming the parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest for Path<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        T::deserialize(ParamsDeserializer(&ctx.params.items))
            .map(Path)
            .map_err(|e| HttpError::bad_request(e.0).into_response())
    }
}

/// The query string, deserialized (400 when it does not fit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest for Query<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        let query = ctx.parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query).map(Query).map_err(|e| {
            HttpError::bad_request(format!("invalid query string: {e}")).into_response()
        })
    }
}

/// `Json<T>` as an extractor: `Content-Type: application/json` (else 415),
/// malformed JSON 400, JSON of the wrong shape 422.
impl<T: DeserializeOwned + Send> FromRequest for Json<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        ctx.require_content_type("application/json", |t| t.ends_with("+json"))
            .map_err(IntoResponse::into_response)?;
        let bytes = ctx.read_body().await.map_err(IntoResponse::into_response)?;
        serde_json::from_slice(&bytes).map(Json).map_err(|e| {
            use serde_json::error::Category;
            match e.classify() {
                Category::Data => HttpError::unprocessable(format!("JSON does not fit: {e}")),
                Category::Syntax | Category::Eof | Category::Io => {
                    HttpError::bad_request(format!("malformed JSON: {e}"))
                }
            }
            .into_response()
        })
    }
}

/// An urlencoded form body (`application/x-www-form-urlencoded`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest for Form<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        ctx.require_content_type("application/x-www-form-urlencoded", |_| false)
            .map_err(IntoResponse::into_response)?;
        let bytes = ctx.read_body().await.map_err(IntoResponse::into_response)?;
        serde_urlencoded::from_bytes(&bytes).map(Form).map_err(|e| {
            HttpError::unprocessable(format!("form does not fit: {e}")).into_response()
        })
    }
}

/// Extractors whose value `Valid<E>` validates.
pub trait ValidTarget {
    /// The validated value.
    type Target: Validate + Sync;
    /// It.
    fn target(&self) -> &Self::Target;
}

macro_rules! valid_target {
    ($($wrapper:ident),*) => {$(
        impl<T: Validate + Sync> ValidTarget for $wrapper<T> {
            type Target = T;
            fn target(&self) -> &T {
                &self.0
            }
        }
    )*};
}
valid_target!(Json, Form, Query, Path);

/// Runs the extractor, then validation (sync rules and `custom_async`
/// checks): 422 with the `ValidationErrors` JSON when a rule fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Valid<E>(pub E);

impl<E> FromRequest for Valid<E>
where
    E: FromRequest + ValidTarget + Send,
{
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        let inner = E::from_request(ctx).await?;
        match inner.target().validate_async().await {
            Ok(()) => Ok(Valid(inner)),
            Err(errors) => Err(errors.into_response()),
        }
    }
}

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

/// The raw body, within the route's limits.
impl FromRequest for Bytes {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        ctx.read_body().await.map_err(IntoResponse::into_response)
    }
}
