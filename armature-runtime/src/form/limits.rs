//! What a multipart body may contain, and the error naming the limit it broke.

use std::borrow::Cow;

use http::StatusCode;

use crate::http::{HttpError, IntoResponse, Response};

/// Limits enforced while a multipart body streams in: each breach stops
/// the parse at once with a [`FormError`] naming the limit. The whole
/// body's size is the route's `body_limit` (2 MiB unless the route or the
/// app says otherwise), not a field here.
///
/// The defaults follow what published multipart CVEs taught (Go
/// CVE-2023-24536, Werkzeug CVE-2023-25577, python-multipart
/// CVE-2024-53981): every count and every header byte is bounded, not
/// only the body size.
///
/// ```
/// use armature_runtime::form::FormLimits;
///
/// let limits = FormLimits { max_files: 4, ..FormLimits::default() };
/// assert_eq!(limits.max_parts, 1_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormLimits {
    /// Bytes of one text field (a part without a file name): 1 MiB.
    pub max_field_bytes: u64,
    /// Bytes of one file: unbounded but for the body limit.
    pub max_file_bytes: u64,
    /// Parts in the body: 1,000.
    pub max_parts: usize,
    /// File parts in the body: 100.
    pub max_files: usize,
    /// Header bytes of one part, counted cumulatively across its lines: 16 KiB.
    pub max_part_header_bytes: usize,
    /// Header lines of one part: 32.
    pub max_headers_per_part: usize,
    /// Bytes of a part's `name`: 256.
    pub max_field_name_bytes: usize,
    /// Bytes discarded before the first boundary, and after the last: 16 KiB each.
    pub max_preamble_bytes: usize,
    /// [`Multipart::collect`](super::Multipart::collect) keeps a file in
    /// memory up to this size and spools it to a temporary file beyond: 1 MiB.
    pub spool_threshold: usize,
}

impl Default for FormLimits {
    fn default() -> Self {
        Self {
            max_field_bytes: 1 << 20,
            max_file_bytes: u64::MAX,
            max_parts: 1_000,
            max_files: 100,
            max_part_header_bytes: 16 << 10,
            max_headers_per_part: 32,
            max_field_name_bytes: 256,
            max_preamble_bytes: 16 << 10,
            spool_threshold: 1 << 20,
        }
    }
}

/// Why a multipart body was refused or could not be stored. Answered as
/// the usual `{"error": {"status", "message"}}`: 413 for a broken limit
/// (the message names it), 400 for a malformed body, 415 for a request
/// that is not `multipart/form-data`, 408 for a body that did not arrive
/// in time, 500 for a failure to write (the message never names a path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    kind: FormErrorKind,
    message: Cow<'static, str>,
}

/// What kind of [`FormError`] this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormErrorKind {
    /// A limit was exceeded; the name is the [`FormLimits`] field (or
    /// `body_limit`).
    Limit(&'static str),
    /// The body is not valid multipart/form-data.
    Malformed,
    /// The request is not `multipart/form-data` at all.
    UnsupportedType,
    /// The body did not arrive within the route's deadline.
    Timeout,
    /// Storing a file failed.
    Storage,
}

impl FormError {
    pub(crate) fn limit(limit: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(FormErrorKind::Limit(limit), message)
    }

    pub(crate) fn malformed(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(FormErrorKind::Malformed, message)
    }

    pub(crate) fn new(kind: FormErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A storage failure; the I/O error is logged, not shown to the client
    /// (it may name server paths).
    pub(crate) fn storage(what: &str, error: std::io::Error) -> Self {
        tracing::warn!(%error, "upload storage failed: {what}");
        Self::new(
            FormErrorKind::Storage,
            format!("could not store the upload ({what})"),
        )
    }

    /// What went wrong.
    pub fn kind(&self) -> FormErrorKind {
        self.kind
    }

    /// The message sent to the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            FormErrorKind::Limit(_) => StatusCode::PAYLOAD_TOO_LARGE,
            FormErrorKind::Malformed => StatusCode::BAD_REQUEST,
            FormErrorKind::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            FormErrorKind::Timeout => StatusCode::REQUEST_TIMEOUT,
            FormErrorKind::Storage => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FormError {}

impl From<FormError> for HttpError {
    fn from(e: FormError) -> Self {
        HttpError::new(e.status(), e.message)
    }
}

impl IntoResponse for FormError {
    fn into_response(self) -> Response {
        HttpError::from(self).into_response()
    }
}
