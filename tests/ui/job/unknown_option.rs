use armature::prelude::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct Email {
    to: String,
}

#[job(retry = 3)]
async fn send_email(_mail: Email) -> Result<(), JobError> {
    Ok(())
}

fn main() {}
