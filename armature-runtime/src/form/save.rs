//! Storing uploaded files: streamed straight from the body
//! ([`Multipart::save`]) or from a collected form
//! ([`save_files_parallel`]), concurrently with a bound on open files,
//! each atomically (temporary file + publish), all or nothing: any error
//! removes every file of the request, finished ones included.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::collect::{FileData, UploadedFile};
use super::dir::Dir;
use super::limits::FormError;
use super::multipart::Multipart;
use super::writer::{self, PartWriter, Written};

/// How files are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveOptions {
    /// `fsync` each file, and the directory once at the end: off by default.
    pub fsync: bool,
    /// Replace a file of the same name instead of adding a `-n` suffix:
    /// off by default.
    pub overwrite: bool,
    /// Files written at once (the rest wait; parsing waits with them): 16.
    pub max_open_files: usize,
}

impl Default for SaveOptions {
    fn default() -> Self {
        Self {
            fsync: false,
            overwrite: false,
            max_open_files: 16,
        }
    }
}

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedFile {
    /// The form field it came from.
    pub field: String,
    /// The file name as the client sent it (metadata only).
    pub original_name: String,
    /// The name it was stored under, inside the directory.
    pub stored_name: String,
    /// The directory joined with `stored_name`.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// The part's `Content-Type`, if it sent one.
    pub content_type: Option<String>,
}

/// A form whose files were stored: its text fields, in order (repeats
/// kept), and its files, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedForm {
    /// `(name, value)` of every text field.
    pub fields: Vec<(String, String)>,
    /// Every non-empty file input's file.
    pub files: Vec<SavedFile>,
}

impl SavedForm {
    /// The last value of text field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        last_value(&self.fields, name)
    }
}

pub(super) fn last_value<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A file of the batch: where it came from and where it goes.
pub(super) struct Meta {
    pub(super) field: String,
    pub(super) original_name: String,
    pub(super) content_type: Option<String>,
    /// The name to publish it under; `None` keeps the temporary file (a spool).
    pub(super) publish_as: Option<String>,
}

/// The files of one request. Writers fill temporary files concurrently;
/// when the whole request succeeded they are published in part order (so
/// `a.txt` sent twice becomes `a.txt` then `a-1.txt`, always in that
/// order); if anything failed, every temporary file goes.
pub(super) struct Batch {
    dir: Arc<Dir>,
    semaphore: Arc<Semaphore>,
    opts: SaveOptions,
    pending: Vec<(Meta, JoinHandle<io::Result<Written>>)>,
}

impl Batch {
    pub(super) fn new(dir: Dir, opts: SaveOptions) -> Self {
        Self {
            dir: Arc::new(dir),
            semaphore: Arc::new(Semaphore::new(opts.max_open_files.max(1))),
            opts,
            pending: Vec::new(),
        }
    }

    pub(super) fn dir(&self) -> &Arc<Dir> {
        &self.dir
    }

    pub(super) async fn permit(&self) -> OwnedSemaphorePermit {
        Arc::clone(&self.semaphore)
            .acquire_owned()
            .await
            .expect("the batch never closes its semaphore")
    }

    pub(super) async fn writer(&self) -> PartWriter {
        let permit = self.permit().await;
        PartWriter::start(Arc::clone(&self.dir), self.opts.fsync, permit)
    }

    pub(super) fn push(&mut self, meta: Meta, task: JoinHandle<io::Result<Written>>) {
        self.pending.push((meta, task));
    }

    /// Waits for every writer, then publishes in order (and syncs the
    /// directory once when asked); on any failure removes every file.
    pub(super) async fn finish(self) -> Result<Vec<SavedFile>, FormError> {
        let mut written = Vec::with_capacity(self.pending.len());
        let mut failure = None;
        for (meta, task) in self.pending {
            match writer::join(task).await {
                Ok(file) => written.push((meta, file)),
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        let (dir, opts) = (self.dir, self.opts);
        tokio::task::spawn_blocking(move || {
            if let Some(e) = failure {
                remove_all(&dir, written.iter().map(|(_, w)| &w.name));
                return Err(FormError::storage("writing a file", e));
            }
            publish_all(&dir, written, opts)
        })
        .await
        .unwrap_or_else(|e| Err(FormError::storage("publishing", io::Error::other(e))))
    }

    /// Abandons the request: waits for every writer and removes its file.
    pub(super) async fn abort(self) {
        let mut names = Vec::new();
        for (_, task) in self.pending {
            if let Ok(written) = writer::join(task).await {
                names.push(written.name);
            }
        }
        let dir = self.dir;
        let _ = tokio::task::spawn_blocking(move || remove_all(&dir, &names)).await;
    }
}

fn publish_all(
    dir: &Dir,
    written: Vec<(Meta, Written)>,
    opts: SaveOptions,
) -> Result<Vec<SavedFile>, FormError> {
    let mut saved: Vec<SavedFile> = Vec::with_capacity(written.len());
    let mut rest = written.into_iter();
    let failure = loop {
        let Some((meta, file)) = rest.next() else {
            break if opts.fsync { dir.sync().err() } else { None };
        };
        let stored = match &meta.publish_as {
            None => Ok(file.name),
            Some(name) => {
                writer::publish(dir, &file.name, name, opts.overwrite).inspect_err(|_| {
                    let _ = dir.remove(&file.name);
                })
            }
        };
        match stored {
            Ok(stored_name) => saved.push(SavedFile {
                field: meta.field,
                original_name: meta.original_name,
                path: dir.path().join(&stored_name),
                stored_name,
                size: file.size,
                content_type: meta.content_type,
            }),
            Err(e) => break Some(e),
        }
    };
    match failure {
        None => Ok(saved),
        Some(e) => {
            remove_all(dir, saved.iter().map(|f| &f.stored_name));
            remove_all(dir, rest.map(|(_, w)| w.name));
            Err(FormError::storage("publishing a file", e))
        }
    }
}

fn remove_all<S: AsRef<str>>(dir: &Dir, names: impl IntoIterator<Item = S>) {
    for name in names {
        let _ = dir.remove(name.as_ref());
    }
}

fn open_dir(path: &Path) -> Result<Dir, FormError> {
    Dir::open(path).map_err(|e| FormError::storage("opening the upload directory", e))
}

/// The name a part is stored under: its sanitized file name, or `upload`
/// when nothing usable is left of it.
pub(super) fn stored_name(sanitized: Option<String>) -> String {
    sanitized.unwrap_or_else(|| "upload".to_owned())
}

impl Multipart {
    /// Reads the whole body, storing each file into `dir` (created if
    /// missing) as it streams in: one blocking writer per file fed through
    /// a bounded channel, so writing one file overlaps parsing the next.
    /// Text fields are kept in memory (within `max_field_bytes`). A file
    /// input left empty (`filename=""`, no bytes) is skipped.
    ///
    /// All or nothing: on any error (a limit, a truncated body, a full
    /// disk) every file of the request is removed and the error returned.
    pub async fn save(
        mut self,
        dir: impl AsRef<Path>,
        opts: SaveOptions,
    ) -> Result<SavedForm, FormError> {
        let mut batch = Batch::new(open_dir(dir.as_ref())?, opts);
        let mut fields = Vec::new();
        let mut current = None;
        let read = self.save_into(&mut batch, &mut fields, &mut current).await;
        match read {
            Ok(()) => Ok(SavedForm {
                fields,
                files: batch.finish().await?,
            }),
            Err(e) => {
                if let Some(writer) = current {
                    writer.abort().await;
                }
                batch.abort().await;
                Err(e)
            }
        }
    }

    async fn save_into(
        &mut self,
        batch: &mut Batch,
        fields: &mut Vec<(String, String)>,
        current: &mut Option<PartWriter>,
    ) -> Result<(), FormError> {
        while let Some(mut field) = self.next_field().await? {
            if !field.head().is_file() {
                let value = field.text().await?;
                fields.push((field.name().to_owned(), value));
                continue;
            }
            let first = field.chunk().await?;
            if first.is_none() && field.file_name() == Some("") {
                continue;
            }
            let writer = current.insert(batch.writer().await);
            let mut next = first;
            while let Some(chunk) = next {
                if writer.write(chunk).await.is_err() {
                    break;
                }
                next = field.chunk().await?;
            }
            let head = field.into_head();
            let task = current.take().expect("set above").commit().await;
            batch.push(
                Meta {
                    field: head.name().to_owned(),
                    original_name: head.file_name().unwrap_or_default().to_owned(),
                    content_type: head.content_type().map(str::to_owned),
                    publish_as: Some(stored_name(head.safe_file_name())),
                },
                task,
            );
        }
        Ok(())
    }
}

/// Stores collected files into `dir` (created if missing), at most
/// `opts.max_open_files` at a time, each atomically under its sanitized
/// name; all or nothing. Spooled files are copied from their temporary
/// file, in-memory ones written.
///
/// ```no_run
/// use armature_runtime::form::{save_files_parallel, FormError, Multipart, SaveOptions};
///
/// async fn store(form: Multipart) -> Result<usize, FormError> {
///     let data = form.collect().await?;
///     let saved = save_files_parallel(data.files, "uploads", SaveOptions::default()).await?;
///     Ok(saved.len())
/// }
/// ```
pub async fn save_files_parallel(
    files: Vec<UploadedFile>,
    dir: impl AsRef<Path>,
    opts: SaveOptions,
) -> Result<Vec<SavedFile>, FormError> {
    let mut batch = Batch::new(open_dir(dir.as_ref())?, opts);
    for file in files {
        let permit = batch.permit().await;
        let dir = Arc::clone(batch.dir());
        let meta = Meta {
            field: file.field.clone(),
            original_name: file.original_name.clone(),
            content_type: file.content_type.clone(),
            publish_as: Some(stored_name(file.safe_file_name())),
        };
        let fsync = opts.fsync;
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            writer::write_with(&dir, fsync, |out| match &file.data {
                FileData::Memory(bytes) => {
                    io::Write::write_all(out, bytes)?;
                    Ok(bytes.len() as u64)
                }
                FileData::Spooled(spool) => io::copy(&mut spool.open()?, out),
            })
        });
        batch.push(meta, task);
    }
    batch.finish().await
}
