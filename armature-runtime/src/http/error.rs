use std::borrow::Cow;
use std::fmt;

use http::{HeaderValue, StatusCode, header};

use super::response::{IntoResponse, Response, json_response};

/// An error answered as `{"error":{"status":404,"message":"…"}}`.
///
/// ```
/// use armature_runtime::http::HttpError;
///
/// let e = HttpError::not_found("no user 42");
/// assert_eq!(e.status().as_u16(), 404);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    status: StatusCode,
    message: Cow<'static, str>,
}

macro_rules! constructors {
    ($($(#[$doc:meta])* $name:ident => $status:ident),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(message: impl Into<Cow<'static, str>>) -> Self {
            Self::new(StatusCode::$status, message)
        }
    )*};
}

impl HttpError {
    /// An error with any status.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    constructors! {
        /// 400
        bad_request => BAD_REQUEST,
        /// 401
        unauthorized => UNAUTHORIZED,
        /// 403
        forbidden => FORBIDDEN,
        /// 404
        not_found => NOT_FOUND,
        /// 405
        method_not_allowed => METHOD_NOT_ALLOWED,
        /// 408
        request_timeout => REQUEST_TIMEOUT,
        /// 409
        conflict => CONFLICT,
        /// 413
        payload_too_large => PAYLOAD_TOO_LARGE,
        /// 415
        unsupported_media_type => UNSUPPORTED_MEDIA_TYPE,
        /// 422
        unprocessable => UNPROCESSABLE_ENTITY,
        /// 429
        too_many_requests => TOO_MANY_REQUESTS,
        /// 500
        internal => INTERNAL_SERVER_ERROR,
        /// 503
        unavailable => SERVICE_UNAVAILABLE,
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for HttpError {}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            error: Inner<'a>,
        }
        #[derive(serde::Serialize)]
        struct Inner<'a> {
            status: u16,
            message: &'a str,
        }
        let body = Body {
            error: Inner {
                status: self.status.as_u16(),
                message: &self.message,
            },
        };
        let mut response = json_response(&body);
        *response.status_mut() = self.status;
        response
    }
}

/// The 405 answer, listing the allowed methods.
pub(crate) fn method_not_allowed(allow: &str) -> Response {
    let mut response = HttpError::method_not_allowed("method not allowed").into_response();
    if let Ok(value) = HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
