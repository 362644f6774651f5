use armature::prelude::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct Thumbnail {
    width: u32,
}

#[job(cpu_intensive)]
async fn make_thumbnail(_job: Thumbnail) -> Result<(), JobError> {
    Ok(())
}

fn main() {
    let _ = Worker::new(Queue::memory()).register(make_thumbnail);
}
