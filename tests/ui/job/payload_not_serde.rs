use armature::prelude::*;

struct Email {
    to: String,
}

#[job]
async fn send_email(mail: Email) -> Result<(), JobError> {
    let _ = mail.to;
    Ok(())
}

fn main() {}
