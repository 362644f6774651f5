//! Forms and uploads: a streaming `multipart/form-data` parser of our own,
//! limits enforced as the body streams in, and safe, concurrent,
//! all-or-nothing file storage.
//!
//! - [`Multipart`] is the extractor: read it field by field
//!   ([`Multipart::next_field`]), store its files as they stream in
//!   ([`Multipart::save`]), or collect it ([`Multipart::collect`]; files
//!   over 1 MiB spooled to temporary files) and store later
//!   ([`save_files_parallel`]).
//! - [`FormLimits`] bound every count and size; register one as app state
//!   to change the defaults. The whole body's limit is the route's
//!   `body_limit`.
//! - A client's file name is metadata: [`sanitize_file_name`] makes the
//!   stored name, and the upload directory is opened once and written
//!   only through that handle.
//! - [`Parser`] is the sans-I/O core (linear time, bounded memory; why it
//!   is ours and not multer is in its module's documentation).
//!
//! ```no_run
//! use armature_runtime::form::{FormError, Multipart, SaveOptions};
//!
//! async fn upload(form: Multipart) -> Result<String, FormError> {
//!     let saved = form.save("uploads", SaveOptions::default()).await?;
//!     Ok(format!("{} files, title {:?}", saved.files.len(), saved.field("title")))
//! }
//! ```

mod collect;
mod dir;
mod head;
mod limits;
mod multipart;
mod names;
mod parser;
mod save;
mod writer;

pub use collect::{FormData, UploadedFile};
pub use head::PartHead;
pub use limits::{FormError, FormErrorKind, FormLimits};
pub use multipart::{Field, Multipart};
pub use names::sanitize as sanitize_file_name;
pub use parser::{Event, MAX_BOUNDARY_LEN, Parser, Step};
pub use save::{SaveOptions, SavedFile, SavedForm, save_files_parallel};
