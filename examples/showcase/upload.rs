//! `GET /upload`: a form; `POST /upload`: its files streamed to disk.

use std::path::PathBuf;

use armature::form::{FormError, SaveOptions};
use armature::prelude::*;
use serde_json::{Map, Value, json};

/// Where uploads go (`--uploads DIR`, default `./uploads`).
pub struct Uploads {
    pub dir: PathBuf,
}

#[controller]
impl Uploads {
    #[get("/upload")]
    async fn page(&self) -> Html<&'static str> {
        Html(include_str!("upload.html"))
    }

    /// `{"fields": {"NAME": "VALUE"}, "files": [{"field", "original_name",
    /// "stored_name", "size", "content_type"}]}`; a repeated text field
    /// keeps its last value, files are in the order sent.
    #[post("/upload", body_limit = "256 MiB")]
    async fn upload(&self, form: Multipart) -> Result<Json<Value>, FormError> {
        let saved = form.save(&self.dir, SaveOptions::default()).await?;
        let fields: Map<String, Value> = saved
            .fields
            .into_iter()
            .map(|(name, value)| (name, Value::String(value)))
            .collect();
        let files: Vec<Value> = saved
            .files
            .into_iter()
            .map(|file| {
                json!({
                    "field": file.field,
                    "original_name": file.original_name,
                    "stored_name": file.stored_name,
                    "size": file.size,
                    "content_type": file.content_type.as_deref().unwrap_or("application/octet-stream"),
                })
            })
            .collect();
        Ok(Json(json!({ "fields": fields, "files": files })))
    }
}
