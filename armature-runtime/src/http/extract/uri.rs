//! Extractors reading the URI: path parameters and the query string.

use serde::de::DeserializeOwned;

use super::{FromRequest, RequestContext};
use crate::http::error::HttpError;
use crate::http::params::ParamsDeserializer;
use crate::http::response::{IntoResponse, Response};

/// Path parameters: `Path<u64>`, `Path<(String, u32)>` or a serde struct.
/// A value of the wrong type is a 400 naming the parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest for Path<T> {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        T::deserialize(ParamsDeserializer(&ctx.params))
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
