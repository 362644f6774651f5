//! The showcase's middleware: request ids, the access log with its
//! counters, a per-client rate limit, and the admin check.

use std::sync::Arc;
use std::time::Instant;

use armature::prelude::*;

use crate::limiter::{Limited, RateLimiter};
use crate::metrics::Metrics;

/// This request's id: the client's `x-request-id`, or a fresh one.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Sets the id before anything else runs and echoes it on every response
/// (404s and 429s included).
#[middleware]
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = match req.header("x-request-id") {
        Some(id) if !id.is_empty() && id.len() <= 128 => id.to_owned(),
        _ => new_id(),
    };
    req.parts.extensions.insert(RequestId(id.clone()));
    let mut response = next.run(req).await;
    if let Ok(value) = id.parse() {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// 16 hex digits, unique within the process and unlikely to repeat across
/// restarts (the counter starts at a random point).
fn new_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: std::sync::OnceLock<AtomicU64> = std::sync::OnceLock::new();
    let next = NEXT.get_or_init(|| AtomicU64::new(crate::admin::random_u64()));
    format!("{:016x}", next.fetch_add(1, Ordering::Relaxed))
}

/// One `tracing` event per request, and the counters behind GET /metrics.
#[middleware]
pub async fn access_log(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let id = req
        .ext::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let metrics = req.state::<Arc<Metrics>>().cloned();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let micros = start.elapsed().as_micros() as u64;
    if let Some(metrics) = metrics {
        metrics.record(&method, status, micros);
    }
    tracing::info!(target: "access", request_id = %id, %method, %path, status, latency_us = micros);
    response
}

/// At most N requests per second per client address (`--rate-limit N`);
/// off when the limiter is disabled.
#[middleware(independent)]
pub async fn rate_limit(
    req: &RequestHead,
    limiter: State<Arc<RateLimiter>>,
) -> Result<(), Limited> {
    match req.peer_addr() {
        Some(peer) => limiter.0.check(peer.ip()),
        None => Ok(()),
    }
}

/// The admin's bearer token (`--admin-token`).
#[derive(Clone)]
pub struct AdminToken(pub Arc<str>);

/// Proof the request carries the admin token.
#[derive(Clone, Debug)]
pub struct AdminSession;

/// 401 unless `authorization: Bearer <token>` matches.
#[middleware(independent)]
pub async fn admin_auth(
    req: &RequestHead,
    token: State<AdminToken>,
) -> Result<AdminSession, HttpError> {
    let given = req
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if constant_time_eq(given.as_bytes(), token.0.0.as_bytes()) {
        Ok(AdminSession)
    } else {
        Err(HttpError::unauthorized(
            "GET /admin needs `authorization: Bearer <admin token>`",
        ))
    }
}

/// Compares without leaking the position of the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
