//! One blocking writer per file part, fed through a bounded channel while
//! the parser goes on with the body: disk writes (and fsync) of one part
//! overlap the parsing of the next, and a slow disk pushes back on the
//! connection instead of filling memory. A semaphore permit, held until
//! the file is closed, bounds the files open at once.

use std::io::{self, Write};
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio::task::JoinHandle;

use super::dir::Dir;
use super::names;

/// Chunks queued per writer before the parser waits.
const QUEUED_CHUNKS: usize = 8;

enum Msg {
    Data(Bytes),
    Commit,
}

/// A finished file: its (temporary) name in the directory and its size.
/// Publishing under the final name is the batch's job, in part order,
/// once the whole request succeeded.
#[derive(Debug)]
pub(crate) struct Written {
    pub(crate) name: String,
    pub(crate) size: u64,
}

/// A file being written. Dropped without [`PartWriter::finish`], its
/// temporary file is removed.
pub(crate) struct PartWriter {
    tx: mpsc::Sender<Msg>,
    task: JoinHandle<io::Result<Written>>,
}

impl PartWriter {
    pub(crate) fn start(dir: Arc<Dir>, fsync: bool, permit: OwnedSemaphorePermit) -> Self {
        let (tx, rx) = mpsc::channel(QUEUED_CHUNKS);
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            write_file(&dir, rx, fsync)
        });
        Self { tx, task }
    }

    /// Queues a chunk; waits while the writer is [`QUEUED_CHUNKS`] behind.
    /// An error means the writer failed: [`PartWriter::finish`] says why.
    pub(crate) async fn write(&mut self, chunk: Bytes) -> Result<(), ()> {
        self.tx.send(Msg::Data(chunk)).await.map_err(drop)
    }

    /// Ends the file: the writer closes it (fsync if asked) while the
    /// caller goes on; the handle says how that went.
    pub(crate) async fn commit(self) -> JoinHandle<io::Result<Written>> {
        // A failed send means the task already ended with its error.
        let _ = self.tx.send(Msg::Commit).await;
        self.task
    }

    /// Abandons the file and waits until its temporary file is gone.
    pub(crate) async fn abort(self) {
        drop(self.tx);
        let _ = join(self.task).await;
    }
}

/// The outcome of a writer task (a panic becomes an I/O error).
pub(crate) async fn join(task: JoinHandle<io::Result<Written>>) -> io::Result<Written> {
    task.await.unwrap_or_else(|e| Err(io::Error::other(e)))
}

fn write_file(dir: &Dir, mut rx: mpsc::Receiver<Msg>, fsync: bool) -> io::Result<Written> {
    write_with(dir, fsync, |file| {
        let mut size = 0u64;
        while let Some(msg) = rx.blocking_recv() {
            match msg {
                Msg::Data(bytes) => {
                    file.write_all(&bytes)?;
                    size += bytes.len() as u64;
                }
                Msg::Commit => return Ok(size),
            }
        }
        Err(io::Error::other("the upload was abandoned"))
    })
}

/// Creates a temporary file, lets `fill` write it (returning its size)
/// and syncs it if asked; on any error the temporary file is removed.
pub(crate) fn write_with(
    dir: &Dir,
    fsync: bool,
    fill: impl FnOnce(&mut std::fs::File) -> io::Result<u64>,
) -> io::Result<Written> {
    let (mut file, temp) = dir.create_temp()?;
    let written = fill(&mut file).and_then(|size| {
        if fsync {
            file.sync_all()?;
        }
        Ok(size)
    });
    match written {
        Ok(size) => Ok(Written { name: temp, size }),
        Err(e) => {
            let _ = dir.remove(&temp);
            Err(e)
        }
    }
}

/// Publishes `temp` as `name`, or `name-1`, `name-2`, … when taken.
pub(crate) fn publish(dir: &Dir, temp: &str, name: &str, overwrite: bool) -> io::Result<String> {
    if overwrite {
        dir.publish(temp, name, true)?;
        return Ok(name.to_owned());
    }
    let mut attempt = 0u32;
    loop {
        // Sequential suffixes first; past 16 taken names, spread out so a
        // thousand uploads of `photo.jpg` do not probe a thousand names each.
        let candidate = match attempt {
            0 => name.to_owned(),
            1..=16 => names::with_suffix(name, attempt),
            _ => names::with_suffix(name, fastrand_u32(attempt)),
        };
        match dir.publish(temp, &candidate, false) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 200 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

fn fastrand_u32(seed: u32) -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (nanos ^ seed.wrapping_mul(0x9E37_79B9)) % 1_000_000 + 17
}
