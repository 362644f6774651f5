//! Request counters, by method and status, served as Prometheus text.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use armature::prelude::*;

#[derive(Default)]
pub struct Metrics {
    total: AtomicU64,
    latency_us_sum: AtomicU64,
    by_route: Mutex<BTreeMap<(String, u16), u64>>,
}

impl Metrics {
    pub fn record(&self, method: &Method, status: u16, latency_us: u64) {
        self.total.fetch_add(1, Ordering::Relaxed);
        self.latency_us_sum.fetch_add(latency_us, Ordering::Relaxed);
        let mut counts = self.by_route.lock().unwrap_or_else(|e| e.into_inner());
        *counts
            .entry((method.as_str().to_owned(), status))
            .or_default() += 1;
    }

    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# HELP armature_requests_total Requests answered, by method and status.\n\
             # TYPE armature_requests_total counter\n",
        );
        let counts = self.by_route.lock().unwrap_or_else(|e| e.into_inner());
        for ((method, status), n) in counts.iter() {
            out.push_str(&format!(
                "armature_requests_total{{method=\"{method}\",status=\"{status}\"}} {n}\n"
            ));
        }
        out.push_str(&format!(
            "# HELP armature_request_latency_microseconds_sum Time spent answering.\n\
             # TYPE armature_request_latency_microseconds_sum counter\n\
             armature_request_latency_microseconds_sum {}\n",
            self.latency_us_sum.load(Ordering::Relaxed)
        ));
        out
    }
}

pub struct MetricsController {
    pub queue: Queue,
}

#[controller]
impl MetricsController {
    /// Counts up to (not including) this request, and the job queue's.
    #[get("/metrics")]
    async fn metrics(&self, metrics: State<Arc<Metrics>>) -> (StatusCode, String) {
        let mut text = metrics.0.render();
        if let Ok(c) = crate::jobs::counts(&self.queue).await {
            text.push_str(
                "# HELP armature_jobs Thumbnail jobs by state.\n# TYPE armature_jobs gauge\n",
            );
            for (state, n) in [
                ("queued", c.queued),
                ("delayed", c.delayed),
                ("running", c.running),
                ("completed", c.completed),
                ("failed", c.failed),
                ("dead", c.dead),
            ] {
                text.push_str(&format!("armature_jobs{{state=\"{state}\"}} {n}\n"));
            }
        }
        (StatusCode::OK, text)
    }
}
