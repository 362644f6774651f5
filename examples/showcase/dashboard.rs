//! GET /dashboard/{id}: four sources gathered by one `#[aggregate]`
//! function written as plain sequential code. The user comes from the
//! cache; two slow services (fixed latencies, standing in for remote
//! APIs) do not need it and run alongside; the activity feed needs the
//! user and starts as soon as it is there. `timing` shows the sum the
//! sequential code would take and the time it took.

use std::future::Future;
use std::time::{Duration, Instant};

use armature::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

use crate::users::{User, Users};

/// Latencies of the fake remote services.
const RECOMMENDATIONS: Duration = Duration::from_millis(80);
const NOTIFICATIONS: Duration = Duration::from_millis(120);
const ACTIVITY: Duration = Duration::from_millis(40);

pub struct Dashboard {
    pub users: Users,
}

#[derive(Serialize)]
struct Board {
    user: User,
    recommendations: Vec<String>,
    notifications: Vec<String>,
    activity: Vec<String>,
}

/// A source's value and how long it took.
async fn timed<T>(
    source: impl Future<Output = Result<T, HttpError>>,
) -> Result<(T, Duration), HttpError> {
    let start = Instant::now();
    let value = source.await?;
    Ok((value, start.elapsed()))
}

async fn recommendations(id: u64) -> Result<Vec<String>, HttpError> {
    tokio::time::sleep(RECOMMENDATIONS).await;
    Ok((1..=3)
        .map(|k| format!("user {} follows you", id * 7 + k))
        .collect())
}

async fn notifications(id: u64) -> Result<Vec<String>, HttpError> {
    tokio::time::sleep(NOTIFICATIONS).await;
    Ok(vec![format!("{} unread messages", id % 5 + 1)])
}

async fn activity(user: &User) -> Result<Vec<String>, HttpError> {
    tokio::time::sleep(ACTIVITY).await;
    Ok(vec![format!("{} signed up", user.username)])
}

impl Dashboard {
    #[aggregate]
    async fn gather(&self, id: u64) -> Result<(Board, Duration), HttpError> {
        let (user, user_took) = timed(self.users.find(id)).await?;
        let (recommendations, r_took) = timed(recommendations(id)).await?;
        let (notifications, n_took) = timed(notifications(id)).await?;
        let (activity, a_took) = timed(activity(&user)).await?;
        let board = Board {
            user,
            recommendations,
            notifications,
            activity,
        };
        Ok((board, user_took + r_took + n_took + a_took))
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e4).round() / 10.0
}

#[controller("/dashboard")]
impl Dashboard {
    #[get("/{id}")]
    async fn show(&self, Path(id): Path<u64>) -> Result<Json<Value>, HttpError> {
        let start = Instant::now();
        let (board, sequential) = self.gather(id).await?;
        let took = start.elapsed();
        let mut body =
            serde_json::to_value(board).map_err(|e| HttpError::internal(e.to_string()))?;
        body["timing"] = json!({ "sequential_ms": ms(sequential), "took_ms": ms(took) });
        Ok(Json(body))
    }
}
