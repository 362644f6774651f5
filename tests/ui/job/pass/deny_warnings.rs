//! Every form `#[job]` accepts compiles without a warning.
#![deny(warnings, missing_docs)]

use std::time::Duration;

use armature::prelude::*;

/// A picture to shrink.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Thumbnail {
    /// Pixels.
    pub width: u32,
}

/// Mail.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Email {
    /// Address.
    pub to: String,
}

/// CPU work on the compute pool.
#[job(cpu_intensive, retries = 3, batch = 8)]
pub fn make_thumbnail(job: Thumbnail) -> Result<(), JobError> {
    let _ = job.width;
    Ok(())
}

/// I/O with every option.
#[job(queue = "email", retries = 5, backoff = "exponential", timeout = "30s")]
pub async fn send_email(mail: Email, ctx: JobContext) -> Result<(), JobError> {
    let _ = (mail.to, ctx.attempt(), ctx.id());
    ctx.extend(Duration::from_secs(60)).await?;
    Ok(())
}

/// A fixed backoff, a private job, `crate = "…"`.
#[job(backoff = "fixed", crate = "armature")]
async fn tidy(_job: Thumbnail) -> Result<(), JobError> {
    Ok(())
}

async fn enqueue_all(queue: &Queue) -> Result<(), armature::queue::QueueError> {
    make_thumbnail::enqueue(queue, Thumbnail { width: 64 }).await?;
    send_email::enqueue_in(queue, Duration::from_secs(60), Email { to: "a@b.c".into() }).await?;
    tidy::enqueue_many(queue, &[Thumbnail { width: 1 }]).await?;
    Ok(())
}

fn main() {
    let queue = Queue::memory();
    let _ = enqueue_all(&queue);
    let _ = Worker::new(queue)
        .register(make_thumbnail)
        .register(send_email)
        .register(tidy)
        .run_until(Shutdown::new());
}
