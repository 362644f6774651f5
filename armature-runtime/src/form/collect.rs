//! `Multipart::collect`: the whole form as values, files over the spool
//! threshold in temporary files, so memory stays bounded whatever the
//! upload's size.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use super::dir::Dir;
use super::limits::FormError;
use super::multipart::Multipart;
use super::names;
use super::save::{self, Batch, SaveOptions};
use super::writer::PartWriter;

/// A whole form: text fields in order (repeats kept) and files in order.
#[derive(Debug, Default)]
pub struct FormData {
    /// `(name, value)` of every text field.
    pub fields: Vec<(String, String)>,
    /// Every non-empty file input's file.
    pub files: Vec<UploadedFile>,
}

impl FormData {
    /// The last value of text field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        save::last_value(&self.fields, name)
    }
}

/// An uploaded file held by a [`FormData`]: in memory up to the spool
/// threshold, in a temporary file (removed when this is dropped) beyond.
#[derive(Debug)]
pub struct UploadedFile {
    /// The form field it came from.
    pub field: String,
    /// The file name as the client sent it (metadata, never a path).
    pub original_name: String,
    /// The part's `Content-Type`, if it sent one.
    pub content_type: Option<String>,
    /// Its size in bytes.
    pub size: u64,
    pub(super) data: FileData,
}

#[derive(Debug)]
pub(super) enum FileData {
    Memory(Bytes),
    Spooled(Spool),
}

/// A temporary file of the spool directory, removed on drop.
#[derive(Debug)]
pub(super) struct Spool {
    dir: Arc<Dir>,
    name: String,
}

impl Spool {
    pub(super) fn open(&self) -> io::Result<std::fs::File> {
        self.dir.open_read(&self.name)
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join(&self.name)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = self.dir.remove(&self.name);
    }
}

impl UploadedFile {
    /// The client's file name made safe to store (see
    /// [`sanitize_file_name`](super::sanitize_file_name)).
    pub fn safe_file_name(&self) -> Option<String> {
        names::sanitize(&self.original_name)
    }

    /// The content, when it is held in memory.
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.data {
            FileData::Memory(bytes) => Some(bytes),
            FileData::Spooled(_) => None,
        }
    }

    /// The temporary file holding the content, when it was spooled.
    pub fn spooled_path(&self) -> Option<PathBuf> {
        match &self.data {
            FileData::Spooled(spool) => Some(spool.path()),
            FileData::Memory(_) => None,
        }
    }

    /// The whole content (read back from disk when spooled).
    pub async fn read(&self) -> io::Result<Bytes> {
        match &self.data {
            FileData::Memory(bytes) => Ok(bytes.clone()),
            FileData::Spooled(spool) => {
                let (dir, name) = (Arc::clone(&spool.dir), spool.name.clone());
                tokio::task::spawn_blocking(move || {
                    let mut out = Vec::new();
                    io::Read::read_to_end(&mut dir.open_read(&name)?, &mut out)?;
                    Ok(Bytes::from(out))
                })
                .await
                .unwrap_or_else(|e| Err(io::Error::other(e)))
            }
        }
    }
}

/// Where a file part's bytes are going while it streams in.
enum Sink {
    Memory(BytesMut),
    Spooling(PartWriter),
}

impl Multipart {
    /// Reads the whole form within its limits: text fields as strings,
    /// files in memory up to [`FormLimits::spool_threshold`](super::FormLimits)
    /// and in temporary files (in the system's temporary directory)
    /// beyond, written by a blocking writer while parsing goes on. A file
    /// input left empty is skipped. On error nothing is left on disk.
    pub async fn collect(mut self) -> Result<FormData, FormError> {
        let spool_dir = std::env::temp_dir();
        let dir = Dir::open(&spool_dir)
            .map_err(|e| FormError::storage("opening the temporary directory", e))?;
        let mut batch = Batch::new(dir, SaveOptions::default());
        let mut form = FormData::default();
        let mut spooled = Vec::new();
        let mut sink = None;
        match self
            .collect_into(&mut batch, &mut form, &mut spooled, &mut sink)
            .await
        {
            Ok(()) => {}
            Err(e) => {
                if let Some(Sink::Spooling(writer)) = sink {
                    writer.abort().await;
                }
                batch.abort().await;
                return Err(e);
            }
        }
        // `finish` keeps the spools' temporary files (nothing to publish)
        // and lists them in order, one per spooled upload.
        let dir = Arc::clone(batch.dir());
        let written = batch.finish().await?;
        for (index, saved) in spooled.into_iter().zip(written) {
            let file = &mut form.files[index];
            file.size = saved.size;
            file.data = FileData::Spooled(Spool {
                dir: Arc::clone(&dir),
                name: saved.stored_name,
            });
        }
        Ok(form)
    }

    async fn collect_into(
        &mut self,
        batch: &mut Batch,
        form: &mut FormData,
        spooled: &mut Vec<usize>,
        sink: &mut Option<Sink>,
    ) -> Result<(), FormError> {
        let threshold = self.limits.spool_threshold;
        while let Some(mut field) = self.next_field().await? {
            if !field.head().is_file() {
                let value = field.text().await?;
                form.fields.push((field.name().to_owned(), value));
                continue;
            }
            let sink = sink.insert(Sink::Memory(BytesMut::new()));
            let mut size = 0u64;
            while let Some(chunk) = field.chunk().await? {
                size += chunk.len() as u64;
                if let Sink::Memory(buf) = sink
                    && buf.len() + chunk.len() > threshold
                {
                    let held = std::mem::take(buf).freeze();
                    let mut writer = batch.writer().await;
                    // A failed write shows as the batch's error at the end.
                    let _ = writer.write(held).await;
                    *sink = Sink::Spooling(writer);
                }
                match sink {
                    Sink::Memory(buf) => buf.extend_from_slice(&chunk),
                    Sink::Spooling(writer) => {
                        if writer.write(chunk).await.is_err() {
                            break;
                        }
                    }
                }
            }
            let head = field.into_head();
            let original_name = head.file_name().unwrap_or_default().to_owned();
            let data = match std::mem::replace(sink, Sink::Memory(BytesMut::new())) {
                Sink::Memory(buf) if buf.is_empty() && original_name.is_empty() => continue,
                Sink::Memory(buf) => FileData::Memory(buf.freeze()),
                Sink::Spooling(writer) => {
                    let task = writer.commit().await;
                    batch.push(
                        save::Meta {
                            field: head.name().to_owned(),
                            original_name: original_name.clone(),
                            content_type: None,
                            publish_as: None,
                        },
                        task,
                    );
                    spooled.push(form.files.len());
                    FileData::Memory(Bytes::new())
                }
            };
            form.files.push(UploadedFile {
                field: head.name().to_owned(),
                original_name,
                content_type: head.content_type().map(str::to_owned),
                size,
                data,
            });
        }
        *sink = None;
        Ok(())
    }
}
