//! Background jobs: POST /thumbnails enqueues a `cpu_intensive` job that
//! really renders an image in memory and scales it down; a worker in the
//! same process runs it on the compute pool and stops with the app.
//! GET /jobs/stats and GET /jobs/{id} show the queue.

use armature::prelude::*;
use armature::queue::{Counts, Job};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What POST /thumbnails accepts.
#[derive(Debug, Serialize, Deserialize, Validate)]
pub struct Thumbnail {
    #[validate(range(min = 1, max = 4096))]
    pub width: u32,
    #[validate(range(min = 1, max = 4096))]
    pub height: u32,
}

/// The longest side of a thumbnail.
const THUMB: u32 = 128;

/// Renders a `width` x `height` RGB picture (a smooth interference
/// pattern), then box-filters it down to fit 128 x 128. Real CPU work:
/// a few milliseconds for a 1024 x 768 source.
#[job(cpu_intensive, retries = 2)]
pub fn make_thumbnail(job: Thumbnail) -> Result<(), JobError> {
    let (w, h) = (job.width as usize, job.height as usize);
    let mut source = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let v = ((x * x + y * y) / 64 + x * 3 + y) as u32;
            let at = (y * w + x) * 3;
            source[at] = (v & 0xff) as u8;
            source[at + 1] = ((v >> 3) & 0xff) as u8;
            source[at + 2] = ((x ^ y) & 0xff) as u8;
        }
    }
    let scale = (job.width.max(job.height) as f64 / f64::from(THUMB)).max(1.0);
    let (tw, th) = (
        ((job.width as f64 / scale) as usize).max(1),
        ((job.height as f64 / scale) as usize).max(1),
    );
    let mut thumb = vec![0u8; tw * th * 3];
    for ty in 0..th {
        for tx in 0..tw {
            let (x0, x1) = (tx * w / tw, ((tx + 1) * w / tw).max(tx * w / tw + 1));
            let (y0, y1) = (ty * h / th, ((ty + 1) * h / th).max(ty * h / th + 1));
            for c in 0..3 {
                let mut sum = 0u64;
                for y in y0..y1 {
                    for x in x0..x1 {
                        sum += u64::from(source[(y * w + x) * 3 + c]);
                    }
                }
                let n = ((y1 - y0) * (x1 - x0)) as u64;
                thumb[(ty * tw + tx) * 3 + c] = (sum / n) as u8;
            }
        }
    }
    std::hint::black_box(&thumb);
    Ok(())
}

pub struct Jobs {
    pub queue: Queue,
}

pub async fn counts(queue: &Queue) -> Result<Counts, HttpError> {
    queue
        .counts(<make_thumbnail as Job>::QUEUE)
        .await
        .map_err(|e| HttpError::unavailable(e.to_string()))
}

#[controller]
impl Jobs {
    #[post("/thumbnails")]
    async fn thumbnail(
        &self,
        Valid(Json(job)): Valid<Json<Thumbnail>>,
    ) -> Result<(StatusCode, Json<Value>), HttpError> {
        let id = make_thumbnail::enqueue(&self.queue, job)
            .await
            .map_err(|e| HttpError::unavailable(e.to_string()))?;
        Ok((StatusCode::ACCEPTED, Json(json!({ "id": id }))))
    }

    #[get("/jobs/stats")]
    async fn stats(&self) -> Result<Json<Counts>, HttpError> {
        counts(&self.queue).await.map(Json)
    }

    #[get("/jobs/{id}")]
    async fn job(&self, Path(id): Path<String>) -> Result<Json<Value>, HttpError> {
        let id = JobId(id);
        let state = self
            .queue
            .state(<make_thumbnail as Job>::QUEUE, &id)
            .await
            .map_err(|e| HttpError::unavailable(e.to_string()))?;
        match state {
            Some(state) => Ok(Json(json!({ "id": id, "state": state }))),
            None => Err(HttpError::not_found(format!("no job {id}"))),
        }
    }
}
