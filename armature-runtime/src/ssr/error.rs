//! Why a page could not be rendered.

use std::borrow::Cow;

use crate::http::{HttpError, IntoResponse, Response};

/// A render failure. The message names what to fix: the route, the
/// template and its line, or what the Node worker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    kind: RenderErrorKind,
    message: Cow<'static, str>,
}

/// What kind of [`RenderError`] this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenderErrorKind {
    /// No template or page for this route.
    NotFound,
    /// A template failed to load or render (the message names it and its line).
    Template,
    /// The renderer's script reported an error for this render.
    Script,
    /// The render did not finish in time; the worker was replaced.
    Timeout,
    /// The worker crashed or broke the protocol; it was replaced.
    Worker,
    /// The renderer could not start (`node` missing, a bad script path).
    Startup,
    /// A route that cannot become a file (`..`, an absolute path).
    InvalidRoute,
    /// Writing a pre-rendered page failed.
    Io,
    /// The app answered a pre-rendered route with an error status.
    Status,
}

impl RenderError {
    /// An error of `kind`.
    pub fn new(kind: RenderErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> RenderErrorKind {
        self.kind
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RenderError {}

/// A failed page is a 404 when there is no such page, a 500 otherwise
/// (the details are logged, not sent: they name templates and scripts).
impl IntoResponse for RenderError {
    fn into_response(self) -> Response {
        if self.kind == RenderErrorKind::NotFound {
            return HttpError::not_found(self.message).into_response();
        }
        tracing::error!(error = %self.message, "render failed");
        HttpError::internal("the page could not be rendered").into_response()
    }
}
