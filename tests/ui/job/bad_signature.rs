use armature::prelude::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct Email {
    to: String,
}

#[job]
async fn three(_mail: Email, _retries: u32) -> Result<(), JobError> {
    Ok(())
}

#[job]
async fn returns_a_string(_mail: Email) -> String {
    String::new()
}

#[job]
fn not_cpu(_mail: Email) -> Result<(), JobError> {
    Ok(())
}

fn main() {}
