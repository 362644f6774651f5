//! Extractors reading the whole body, within the route's size limit and
//! deadline: `Json<T>`, `Form<T>` and the raw `Bytes`.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::{FromRequest, RequestContext};
use crate::http::error::HttpError;
use crate::http::response::{IntoResponse, Json, Response};

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

/// The raw body, within the route's limits.
impl FromRequest for Bytes {
    async fn from_request(ctx: &mut RequestContext) -> Result<Self, Response> {
        ctx.read_body().await.map_err(IntoResponse::into_response)
    }
}
