//! Reading a request body: bounded in size and in time.

use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::{BodyExt, Limited};

use super::error::HttpError;

/// A request's body.
#[derive(Debug, Default)]
pub enum RequestBody {
    /// Streamed from the connection.
    Incoming(hyper::body::Incoming),
    /// Already in memory (internal requests, tests).
    Full(Bytes),
    /// No body.
    #[default]
    Empty,
}

impl From<hyper::body::Incoming> for RequestBody {
    fn from(body: hyper::body::Incoming) -> Self {
        RequestBody::Incoming(body)
    }
}

impl From<Bytes> for RequestBody {
    fn from(bytes: Bytes) -> Self {
        RequestBody::Full(bytes)
    }
}

impl From<String> for RequestBody {
    fn from(s: String) -> Self {
        RequestBody::Full(s.into())
    }
}

impl From<Vec<u8>> for RequestBody {
    fn from(v: Vec<u8>) -> Self {
        RequestBody::Full(v.into())
    }
}

impl From<&'static str> for RequestBody {
    fn from(s: &'static str) -> Self {
        RequestBody::Full(Bytes::from_static(s.as_bytes()))
    }
}

/// No body (`Request::get(…).body(())`).
impl From<()> for RequestBody {
    fn from((): ()) -> Self {
        RequestBody::Empty
    }
}

/// Limits applied while reading a body.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Most bytes accepted (413 beyond).
    pub max_bytes: usize,
    /// The whole body must arrive within this (408 otherwise): a client
    /// trickling one byte a second cannot hold a worker forever.
    pub deadline: Duration,
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large(limit: usize) -> HttpError {
    HttpError::payload_too_large(format!(
        "request body is larger than the limit of {limit} bytes"
    ))
}

/// Reads the whole body within `limits`. A declared `Content-Length` over
/// the limit is refused before a byte is read; an undeclared body stops
/// being read at the limit.
pub async fn read(
    body: RequestBody,
    headers: &HeaderMap,
    limits: BodyLimits,
) -> Result<Bytes, HttpError> {
    if declared_length(headers).is_some_and(|n| n > limits.max_bytes as u64) {
        return Err(too_large(limits.max_bytes));
    }
    match body {
        RequestBody::Empty => Ok(Bytes::new()),
        RequestBody::Full(bytes) if bytes.len() > limits.max_bytes => {
            Err(too_large(limits.max_bytes))
        }
        RequestBody::Full(bytes) => Ok(bytes),
        RequestBody::Incoming(incoming) => {
            let collect = Limited::new(incoming, limits.max_bytes).collect();
            match tokio::time::timeout(limits.deadline, collect).await {
                Err(_) => Err(HttpError::request_timeout(format!(
                    "the request body did not arrive within {} s",
                    limits.deadline.as_secs_f64()
                ))),
                Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                    Err(too_large(limits.max_bytes))
                }
                Ok(Err(e)) => Err(HttpError::bad_request(format!(
                    "cannot read the request body: {e}"
                ))),
                Ok(Ok(collected)) => Ok(collected.to_bytes()),
            }
        }
    }
}
