//! The upload directory, opened once: every later operation is relative to
//! that handle (`openat`, `linkat`, `renameat`, `unlinkat`), never to a
//! path joined from a client's name, so nothing is written outside it
//! even when its path is swapped or a symlink is planted inside it.
//!
//! A file is written under a hidden temporary name created with
//! `O_EXCL | O_NOFOLLOW`, then published under its final name with
//! `linkat` (fails if the name exists, symlinks included: never
//! overwrites) or, when overwriting is asked for, `renameat` (replaces the
//! entry, never writes through it). Sanitized names never start with a
//! dot, so they cannot collide with temporary ones.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A directory handle for storing uploads.
#[derive(Debug)]
pub(crate) struct Dir {
    path: PathBuf,
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
}

fn temp_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        ".armature-{}-{}-{nanos:x}.part",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl Dir {
    /// Creates `path` (and its parents) if needed, then opens it.
    pub(crate) fn open(path: &Path) -> io::Result<Dir> {
        std::fs::create_dir_all(path)?;
        Self::open_existing(path)
    }

    /// The path it was opened as (for the caller's reports only).
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// A new file under a fresh hidden temporary name.
    pub(crate) fn create_temp(&self) -> io::Result<(File, String)> {
        loop {
            let name = temp_name();
            match self.create_new(&name) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                other => return other.map(|file| (file, name)),
            }
        }
    }

    /// Publishes `temp` as `name`; fails with `AlreadyExists` when `name`
    /// exists, or replaces it when `overwrite`.
    pub(crate) fn publish(&self, temp: &str, name: &str, overwrite: bool) -> io::Result<()> {
        if overwrite {
            return self.rename(temp, name);
        }
        self.link(temp, name)?;
        self.remove(temp)
    }
}

#[cfg(unix)]
mod imp {
    use std::ffi::CString;
    use std::fs::File;
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::path::Path;

    use super::Dir;

    fn c(name: &str) -> io::Result<CString> {
        CString::new(name).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in name"))
    }

    fn check(ret: libc::c_int) -> io::Result<()> {
        if ret == -1 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    impl Dir {
        pub(super) fn open_existing(path: &Path) -> io::Result<Dir> {
            use std::os::unix::ffi::OsStrExt;
            let cpath = std::ffi::CString::new(path.as_os_str().as_bytes())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))?;
            // SAFETY: a valid C string; the returned fd is owned below.
            let fd = unsafe {
                libc::open(
                    cpath.as_ptr(),
                    libc::O_DIRECTORY | libc::O_RDONLY | libc::O_CLOEXEC,
                )
            };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(Dir {
                path: path.to_owned(),
                // SAFETY: `fd` is a fresh descriptor nobody else owns.
                fd: unsafe { OwnedFd::from_raw_fd(fd) },
            })
        }

        /// `openat` relative to the directory, never following a symlink.
        fn open_at(&self, name: &str, flags: libc::c_int) -> io::Result<File> {
            let cname = c(name)?;
            let flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC;
            // SAFETY: valid fd and C string; the result is owned below.
            let fd = unsafe {
                libc::openat(
                    self.fd.as_raw_fd(),
                    cname.as_ptr(),
                    flags,
                    0o644 as libc::c_uint,
                )
            };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `fd` is a fresh descriptor nobody else owns.
            Ok(unsafe { File::from_raw_fd(fd) })
        }

        pub(super) fn create_new(&self, name: &str) -> io::Result<File> {
            self.open_at(name, libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL)
        }

        /// Opens an existing regular file of the directory for reading.
        pub(crate) fn open_read(&self, name: &str) -> io::Result<File> {
            self.open_at(name, libc::O_RDONLY)
        }

        pub(super) fn link(&self, from: &str, to: &str) -> io::Result<()> {
            let (from, to) = (c(from)?, c(to)?);
            let fd = self.fd.as_raw_fd();
            // SAFETY: valid fds and C strings.
            check(unsafe { libc::linkat(fd, from.as_ptr(), fd, to.as_ptr(), 0) })
        }

        pub(super) fn rename(&self, from: &str, to: &str) -> io::Result<()> {
            let (from, to) = (c(from)?, c(to)?);
            let fd = self.fd.as_raw_fd();
            // SAFETY: valid fds and C strings.
            check(unsafe { libc::renameat(fd, from.as_ptr(), fd, to.as_ptr()) })
        }

        pub(crate) fn remove(&self, name: &str) -> io::Result<()> {
            let name = c(name)?;
            // SAFETY: valid fd and C string.
            check(unsafe { libc::unlinkat(self.fd.as_raw_fd(), name.as_ptr(), 0) })
        }

        /// Makes the directory's entries durable (after renames).
        pub(crate) fn sync(&self) -> io::Result<()> {
            // SAFETY: valid fd.
            check(unsafe { libc::fsync(self.fd.as_raw_fd()) })
        }
    }
}

/// Elsewhere: the same operations by path; the directory path is resolved
/// again each time (no `openat`), names are still never joined unsanitized.
#[cfg(not(unix))]
mod imp {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::path::Path;

    use super::Dir;

    impl Dir {
        pub(super) fn open_existing(path: &Path) -> io::Result<Dir> {
            if !std::fs::metadata(path)?.is_dir() {
                return Err(io::Error::new(io::ErrorKind::Other, "not a directory"));
            }
            Ok(Dir {
                path: path.to_owned(),
            })
        }

        pub(super) fn create_new(&self, name: &str) -> io::Result<File> {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(self.path.join(name))
        }

        pub(crate) fn open_read(&self, name: &str) -> io::Result<File> {
            File::open(self.path.join(name))
        }

        pub(super) fn link(&self, from: &str, to: &str) -> io::Result<()> {
            std::fs::hard_link(self.path.join(from), self.path.join(to))
        }

        pub(super) fn rename(&self, from: &str, to: &str) -> io::Result<()> {
            std::fs::rename(self.path.join(from), self.path.join(to))
        }

        pub(crate) fn remove(&self, name: &str) -> io::Result<()> {
            std::fs::remove_file(self.path.join(name))
        }

        pub(crate) fn sync(&self) -> io::Result<()> {
            Ok(())
        }
    }
}
