//! `/admin`: behind the `admin_auth` middleware.

use std::sync::Arc;
use std::time::Instant;

use armature::prelude::*;
use serde_json::{Value, json};

use crate::metrics::Metrics;
use crate::middleware::{AdminSession, admin_auth};
use crate::users::CacheStats;

pub struct Admin {
    pub started: Instant,
    pub stats: Arc<CacheStats>,
    pub rate_limit: Option<u32>,
}

#[controller("/admin", middleware = pipeline![admin_auth])]
impl Admin {
    #[get("/stats")]
    async fn stats(
        &self,
        _session: Ext<AdminSession>,
        metrics: State<Arc<Metrics>>,
    ) -> Json<Value> {
        Json(json!({
            "uptime_secs": self.started.elapsed().as_secs(),
            "requests": metrics.0.total(),
            "rate_limit_per_sec": self.rate_limit,
            "cache": &*self.stats,
        }))
    }
}

/// A random token for `--admin-token`'s default: 128 bits from the
/// standard library's per-process random hasher keys.
pub fn random_token() -> String {
    format!("{:016x}{:016x}", random_u64(), random_u64())
}

pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}
