use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::Full;
use serde::Serialize;

use super::error::fallback_body;
use crate::validation::ValidationErrors;

/// A response body: the bytes of a complete body.
pub type Body = Full<Bytes>;
/// An HTTP response.
pub type Response = http::Response<Body>;

/// Values a handler can return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be turned into an HTTP response",
    label = "a route must return a type implementing `IntoResponse`",
    note = "return `String`, `&'static str`, `Json<T>`, `Html<T>`, `StatusCode`, `(StatusCode, T)`, `HttpError`, `Result<T, E>` of those, or implement `armature::IntoResponse`"
)]
pub trait IntoResponse {
    /// The response.
    fn into_response(self) -> Response;
}

/// A JSON body (`application/json`). As an extractor it parses the body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// An HTML body (`text/html; charset=utf-8`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Html<T>(pub T);

fn with_type(body: Bytes, content_type: &'static str) -> Response {
    let mut response = Response::new(Full::new(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub(crate) fn json_response<T: Serialize + ?Sized>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => with_type(Bytes::from(bytes), "application/json"),
        Err(e) => {
            tracing::error!(error = %e, "response serialization failed");
            let mut response = with_type(fallback_body(), "application/json");
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        with_type(
            Bytes::from_static(self.as_bytes()),
            "text/plain; charset=utf-8",
        )
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        with_type(Bytes::from(self), "text/plain; charset=utf-8")
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        with_type(self, "application/octet-stream")
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new(Full::new(Bytes::new()))
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        let mut response = ().into_response();
        *response.status_mut() = self;
        response
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        json_response(&self.0)
    }
}

impl<T: Into<String>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        with_type(Bytes::from(self.0.into()), "text/html; charset=utf-8")
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        *response.status_mut() = self.0;
        response
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(error) => error.into_response(),
        }
    }
}

/// 422 with the `ValidationErrors` JSON.
impl IntoResponse for ValidationErrors {
    fn into_response(self) -> Response {
        let mut response = json_response(&self);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response
    }
}
