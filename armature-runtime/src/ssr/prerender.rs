//! `prerender_site`: many routes rendered into a folder.
//!
//! Pages are rendered with bounded concurrency (what the source says it
//! can take: cores for templates, workers x in-flight for Node) while
//! blocking writers put each on disk as a temporary file renamed into
//! place, so a reader of the folder never sees half a page. Durability is
//! one `syncfs` at the end, not one fsync per file: 1,000 small files are
//! write-bound already (32-55 ms here without any sync). A failed page is
//! reported and the others go on.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use futures::future::BoxFuture;
use serde_json::json;

use super::Renderer;
use super::error::{RenderError, RenderErrorKind};

/// Something that turns a route into a page's bytes: any [`Renderer`]
/// (rendering with props `{"route": route}`), or the built app
/// (`AppService`, which answers a `GET` in process).
pub trait PageSource: Send + Sync {
    /// The page at `route`.
    fn page<'a>(&'a self, route: &'a str) -> BoxFuture<'a, Result<Bytes, RenderError>>;

    /// Pages worth rendering at once.
    fn concurrency(&self) -> usize;
}

impl<R: Renderer + ?Sized> PageSource for R {
    fn page<'a>(&'a self, route: &'a str) -> BoxFuture<'a, Result<Bytes, RenderError>> {
        Box::pin(async move {
            self.render(route, json!({ "route": route }))
                .await
                .map(Bytes::from)
        })
    }

    fn concurrency(&self) -> usize {
        Renderer::concurrency(self)
    }
}

/// How routes map to files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileLayout {
    /// `/` -> `index.html`, `/about` -> `about/index.html` (clean URLs on
    /// any static host). A last segment with an extension (`/feed.xml`) is
    /// the file itself.
    #[default]
    Directories,
    /// `/` -> `index.html`, `/about` -> `about.html`.
    HtmlFiles,
}

/// Options of [`prerender_site`].
#[derive(Debug, Clone, Copy)]
pub struct PrerenderOptions {
    /// Pages in flight at once; `None` asks the source.
    pub concurrency: Option<usize>,
    /// Route to file mapping.
    pub layout: FileLayout,
    /// A progress bar on stderr when it is a terminal (never otherwise).
    pub progress: bool,
    /// One `syncfs` of the output's filesystem at the end.
    pub sync: bool,
}

impl Default for PrerenderOptions {
    fn default() -> Self {
        Self {
            concurrency: None,
            layout: FileLayout::Directories,
            progress: true,
            sync: true,
        }
    }
}

/// A page that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFailure {
    /// The route.
    pub route: String,
    /// Why.
    pub error: RenderError,
}

/// What [`prerender_site`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteStats {
    /// Pages written.
    pub pages: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Wall time, rendering and writing.
    pub elapsed: Duration,
    /// `pages / elapsed`.
    pub pages_per_sec: f64,
    /// Pages that failed (the others were written).
    pub failures: Vec<PageFailure>,
}

impl std::fmt::Display for SiteStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} pages, {} bytes in {:.1} ms ({:.0} pages/s), {} failed",
            self.pages,
            self.bytes,
            self.elapsed.as_secs_f64() * 1e3,
            self.pages_per_sec,
            self.failures.len()
        )?;
        for failure in &self.failures {
            write!(f, "\n  {}: {}", failure.route, failure.error)?;
        }
        Ok(())
    }
}

fn invalid(route: &str, why: &str) -> RenderError {
    RenderError::new(
        RenderErrorKind::InvalidRoute,
        format!("route `{route}` cannot be pre-rendered: {why}"),
    )
}

/// The file (relative to the output folder) `route` is written to, or why
/// it cannot be: a route must be an absolute URL path (`/…`) without a
/// query, fragment, empty, `.` or `..` segment, backslash, colon or NUL,
/// so its file is always inside the output folder.
///
/// ```
/// use armature_runtime::ssr::{file_for_route, FileLayout};
/// use std::path::PathBuf;
///
/// let file = |r| file_for_route(r, FileLayout::Directories).ok();
/// assert_eq!(file("/"), Some(PathBuf::from("index.html")));
/// assert_eq!(file("/about"), Some(PathBuf::from("about/index.html")));
/// assert_eq!(file("/feed.xml"), Some(PathBuf::from("feed.xml")));
/// assert_eq!(file("/../etc/passwd"), None);
/// ```
pub fn file_for_route(route: &str, layout: FileLayout) -> Result<PathBuf, RenderError> {
    let Some(path) = route.strip_prefix('/') else {
        return Err(invalid(route, "it does not start with `/`"));
    };
    if route.contains(['?', '#']) {
        return Err(invalid(route, "it has a query or fragment"));
    }
    let path = path.strip_suffix('/').unwrap_or(path);
    let mut segments = Vec::new();
    if !path.is_empty() {
        for segment in path.split('/') {
            match segment {
                "" => return Err(invalid(route, "it has an empty segment")),
                "." | ".." => return Err(invalid(route, "it has a `.` or `..` segment")),
                s if s.contains(['\\', ':', '\0']) => {
                    return Err(invalid(route, "a segment has `\\`, `:` or NUL"));
                }
                s => segments.push(s),
            }
        }
    }
    let mut file: PathBuf = segments.iter().collect();
    match segments.last() {
        None => file.push("index.html"),
        Some(last) if last.contains('.') => {}
        Some(_) => match layout {
            FileLayout::Directories => file.push("index.html"),
            FileLayout::HtmlFiles => {
                file.set_extension("html");
            }
        },
    }
    Ok(file)
}

fn write_page(out_dir: &Path, file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let target = out_dir.join(file);
    let parent = target.parent().unwrap_or(out_dir);
    std::fs::create_dir_all(parent)?;
    let temp = parent.join(format!(
        ".prerender-{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::write(&temp, bytes).and_then(|()| std::fs::rename(&temp, &target));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Flushes the filesystem holding `dir` once.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let handle = std::fs::File::open(dir)?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a valid open descriptor.
        if unsafe { libc::syncfs(handle.as_raw_fd()) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    handle.sync_all()
}

fn progress_bar(total: usize, wanted: bool) -> indicatif::ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} pre-rendering [{bar:30}] {pos}/{len} pages ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Renders every route of `routes` from `source` into `out_dir` (created
/// if missing). Invalid routes and failed pages are listed in
/// [`SiteStats::failures`]; the rest is written. Fails as a whole only
/// when `out_dir` cannot be created.
///
/// ```no_run
/// use armature_runtime::ssr::{prerender_site, PrerenderOptions, TemplateRenderer};
///
/// # async fn run() -> Result<(), armature_runtime::ssr::RenderError> {
/// let renderer = TemplateRenderer::from_dir("templates")?;
/// let stats = prerender_site(&renderer, ["/", "/about"], "out", PrerenderOptions::default()).await?;
/// println!("{stats}");
/// # Ok(()) }
/// ```
pub async fn prerender_site<P, I>(
    source: &P,
    routes: I,
    out_dir: impl AsRef<Path>,
    opts: PrerenderOptions,
) -> Result<SiteStats, RenderError>
where
    P: PageSource + ?Sized,
    I: IntoIterator,
    I::Item: Into<String>,
{
    let started = Instant::now();
    let out_dir = out_dir.as_ref().to_owned();
    std::fs::create_dir_all(&out_dir).map_err(|e| {
        RenderError::new(
            RenderErrorKind::Io,
            format!("cannot create {}: {e}", out_dir.display()),
        )
    })?;
    let routes: Vec<String> = routes.into_iter().map(Into::into).collect();
    let bar = progress_bar(routes.len(), opts.progress);
    let concurrency = opts
        .concurrency
        .unwrap_or_else(|| source.concurrency())
        .max(1);
    let layout = opts.layout;
    let results: Vec<(String, Result<u64, RenderError>)> = futures::stream::iter(routes)
        .map(|route| {
            let out_dir = out_dir.clone();
            async move {
                let result = async {
                    let file = file_for_route(&route, layout)?;
                    let bytes = source.page(&route).await?;
                    let len = bytes.len() as u64;
                    tokio::task::spawn_blocking(move || write_page(&out_dir, &file, &bytes))
                        .await
                        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
                        .map_err(|e| {
                            RenderError::new(RenderErrorKind::Io, format!("cannot write: {e}"))
                        })?;
                    Ok(len)
                }
                .await;
                (route, result)
            }
        })
        .buffer_unordered(concurrency)
        .inspect(|_| bar.inc(1))
        .collect()
        .await;
    bar.finish_and_clear();
    if opts.sync {
        let dir = out_dir.clone();
        let synced = tokio::task::spawn_blocking(move || sync_dir(&dir)).await;
        if let Ok(Err(e)) | Err(e) = synced.map_err(std::io::Error::other) {
            return Err(RenderError::new(
                RenderErrorKind::Io,
                format!("cannot sync {}: {e}", out_dir.display()),
            ));
        }
    }
    let mut stats = SiteStats {
        pages: 0,
        bytes: 0,
        elapsed: Duration::ZERO,
        pages_per_sec: 0.0,
        failures: Vec::new(),
    };
    for (route, result) in results {
        match result {
            Ok(bytes) => {
                stats.pages += 1;
                stats.bytes += bytes;
            }
            Err(error) => stats.failures.push(PageFailure { route, error }),
        }
    }
    stats.failures.sort_by(|a, b| a.route.cmp(&b.route));
    stats.elapsed = started.elapsed();
    stats.pages_per_sec = stats.pages as f64 / stats.elapsed.as_secs_f64().max(1e-9);
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_files_inside_the_folder() {
        let dirs = |r| file_for_route(r, FileLayout::Directories).map_err(|e| e.kind());
        let html = |r| file_for_route(r, FileLayout::HtmlFiles).map_err(|e| e.kind());
        assert_eq!(dirs("/"), Ok("index.html".into()));
        assert_eq!(dirs("/about"), Ok("about/index.html".into()));
        assert_eq!(dirs("/about/"), Ok("about/index.html".into()));
        assert_eq!(dirs("/docs/jobs"), Ok("docs/jobs/index.html".into()));
        assert_eq!(dirs("/sitemap.xml"), Ok("sitemap.xml".into()));
        assert_eq!(html("/about"), Ok("about.html".into()));
        assert_eq!(html("/"), Ok("index.html".into()));
        for bad in [
            "",
            "about",
            "/..",
            "/a/../b",
            "/./a",
            "//etc/passwd",
            "/a//b",
            "/a\\..\\b",
            "/C:/x",
            "/a?b=1",
            "/a#top",
            "/a\0",
        ] {
            assert_eq!(dirs(bad), Err(RenderErrorKind::InvalidRoute), "{bad:?}");
        }
    }
}
