//! Responses: the body type (whole bytes on the fast path, or a stream),
//! and what a handler may return.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http::{HeaderValue, StatusCode, header};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use serde::Serialize;

use crate::validation::ValidationErrors;

/// Errors a streaming body may end with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response body: whole bytes (the fast path: no allocation beyond the
/// bytes, exact `Content-Length`), or a stream of chunks that is never
/// collected (server-rendered pages, file downloads, a tower layer's
/// compressed output).
///
/// ```
/// use armature_runtime::http::Body;
/// let whole = Body::from("hello");
/// let chunks = futures::stream::iter(["a", "b"].map(|s| Ok::<_, std::io::Error>(bytes::Bytes::from(s))));
/// let streamed = Body::from_stream(chunks);
/// # let _ = (whole, streamed);
/// ```
pub struct Body(Inner);

enum Inner {
    Full(Option<Bytes>),
    Stream(UnsyncBoxBody<Bytes, BoxError>),
}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body(Inner::Full(None))
    }

    /// Any `http_body::Body` (a tower layer's, hyper's), streamed as it comes.
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        Body(Inner::Stream(
            body.map_frame(|frame| frame.map_data(|mut data| data.copy_to_bytes(data.remaining())))
                .map_err(Into::into)
                .boxed_unsync(),
        ))
    }

    /// A body sent chunk by chunk as `stream` yields them; an error ends
    /// the response early (the client sees a cut body, never a wrong one).
    pub fn from_stream<S, D, E>(stream: S) -> Self
    where
        S: futures::Stream<Item = Result<D, E>> + Send + 'static,
        D: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        use futures::TryStreamExt;
        let frames = stream.map_ok(|d| Frame::data(d.into())).map_err(Into::into);
        Body(Inner::Stream(
            http_body_util::StreamBody::new(frames).boxed_unsync(),
        ))
    }

    /// The whole body when it is in memory (the `Full` fast path).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.0 {
            Inner::Full(bytes) => Some(bytes.as_deref().unwrap_or_default()),
            Inner::Stream(_) => None,
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Inner::Full(bytes) => write!(
                f,
                "Body::Full({} bytes)",
                bytes.as_ref().map_or(0, Bytes::len)
            ),
            Inner::Stream(_) => f.write_str("Body::Stream"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body(Inner::Full((!bytes.is_empty()).then_some(bytes)))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Bytes::from(s).into()
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Bytes::from(v).into()
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Bytes::from_static(s.as_bytes()).into()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().0 {
            Inner::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Inner::Stream(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Inner::Full(bytes) => bytes.is_none(),
            Inner::Stream(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Inner::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Inner::Stream(body) => body.size_hint(),
        }
    }
}

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

// Constants: `HeaderValue::from_static` checks every byte when called at
// run time, once per response.
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
const OCTETS: HeaderValue = HeaderValue::from_static("application/octet-stream");

fn with_type(body: Bytes, content_type: HeaderValue) -> Response {
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

pub(crate) fn json_response<T: Serialize + ?Sized>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => with_type(Bytes::from(bytes), JSON),
        Err(e) => {
            tracing::error!(error = %e, "response serialization failed");
            let mut response = with_type(fallback_body(), JSON);
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
        with_type(Bytes::from_static(self.as_bytes()), TEXT)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        with_type(Bytes::from(self), TEXT)
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        with_type(self, OCTETS)
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new(Body::empty())
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
        with_type(Bytes::from(self.0.into()), HTML)
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

/// A plain body for the rare case JSON serialization itself fails.
pub(crate) fn fallback_body() -> Bytes {
    Bytes::from_static(br#"{"error":{"status":500,"message":"response serialization failed"}}"#)
}

/// 422 with the `ValidationErrors` JSON.
impl IntoResponse for ValidationErrors {
    fn into_response(self) -> Response {
        let mut response = json_response(&self);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response
    }
}
