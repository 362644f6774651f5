use armature::prelude::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct Email {
    to: String,
}

#[job(timeout = "30 parsecs", backoff = "linear")]
async fn send_email(_mail: Email) -> Result<(), JobError> {
    Ok(())
}

fn main() {}
