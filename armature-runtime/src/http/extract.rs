//! Extractors: handler parameters built from the request.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Uri, request::Parts};
use serde::de::DeserializeOwned;

use super::body::{self, BodyLimits, RequestBody};
use super::error::HttpError;
use super::params::{ParamsDeserializer, PathParams};
use super::response::{IntoResponse, Json, Response};
use crate::validation::{AsyncValidate, Validate};

/// Values registered with `App::state`, by type.
#[derive(Default)]
pub(crate) struct StateMap(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Box::new(value));
    }

    fn get<T: 'static>(&self) -> Option<&T> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref())
    }
}

/// Everything an extractor can read: the request head, its body (once),
/// the route's path parameters and the application's state.
pub struct RequestContext {
    /// Method, URI, headers, extensions.
    pub parts: Parts,
    body: Option<RequestBody>,
    params: PathParams,
    state: Arc<StateMap>,
    limits: BodyLimits,
}

impl RequestContext {
    pub(crate) fn new(
        parts: Parts,
        body: RequestBody,
        params: PathParams,
        state: Arc<StateMap>,
        limits: BodyLimits,
    ) -> Self {
        Self {
            parts,
            body: Some(body),
            params,
            state,
            limits,
        }
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

    /// A value registered with `App::state`.
    pub fn state<T: 'static>(&self) -> Option<&T> {
        self.state.get::<T>()
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
        ctx.state::<T>().cloned().map(State).ok_or_else(|| {
            tracing::error!(
                r#type = std::any::type_name::<T>(),
                "State<T> requested but never registered"
            );
            HttpError::internal(format!(
                "no `{}` was registered with `App::state`",
                std::any::type_name::<T>()
            ))
            .into_response()
        })
    }
}

/// A value a middleware provided for this request (request extensions).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ext<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequest for Ext<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        ctx.parts
            .extensions
            .get::<T>()
            .cloned()
            .map(Ext)
            .ok_or_else(|| {
                HttpError::internal(format!(
                    "no `{}` was provided by a middleware for this request",
                    std::any::type_name::<T>()
                ))
                .into_response()
            })
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
