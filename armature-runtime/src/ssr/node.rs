//! `NodeRenderer`: a pool of long-lived `node` processes running the
//! user's SSR script, JSON lines over stdin/stdout.
//!
//! Protocol: Armature writes `{"id": N, "route": "/…", "props": {…}}` and a
//! newline; the script answers each line, in any order, with
//! `{"id": N, "html": "…"}` or `{"id": N, "error": "…"}`. Anything else on
//! stdout is a protocol break. stderr is logged.
//!
//! Design, from measurements here: a process per page costs 41-64 ms of
//! start-up, a warm one renders thousands of pages a second, so workers
//! live as long as the renderer and are warmed (one render answered)
//! before [`NodeRenderer::start`] returns. Children run with
//! `NODE_ENV=production` (React's server renderer is 5x faster) in a
//! scrubbed environment (an inherited `NODE_EXTRA_CA_CERTS` makes every
//! start 4x slower): only `PATH` and what [`NodeOptions::env`] adds.
//! Several renders are in flight per worker; a semaphore of
//! `workers x in_flight` is the back-pressure. A worker that exits, breaks
//! the protocol or lets a render time out is killed, its in-flight renders
//! fail with a message saying so, and a replacement starts at once.
//! Children die with the renderer (`kill_on_drop`) and, on Linux, with the
//! process (`PR_SET_PDEATHSIG`), so no `node` outlives the app, even after
//! a panic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{Notify, Semaphore, oneshot};

use super::Renderer;
use super::error::{RenderError, RenderErrorKind};

/// Options of a [`NodeRenderer`].
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// Worker processes: one per core by default.
    pub workers: usize,
    /// Renders in flight per worker: 16.
    pub in_flight: usize,
    /// Per render: 10 s. A render that takes longer fails, and its worker
    /// (presumably stuck) is replaced.
    pub timeout: Duration,
    /// A worker's first answer must come within this: 15 s.
    pub startup_timeout: Duration,
    /// The `node` binary: `node` on `PATH`.
    pub node: PathBuf,
    /// Variables added to the children's scrubbed environment.
    pub env: Vec<(String, String)>,
}

impl Default for NodeOptions {
    fn default() -> Self {
        Self {
            workers: crate::pool::cores(),
            in_flight: 16,
            timeout: Duration::from_secs(10),
            startup_timeout: Duration::from_secs(15),
            node: PathBuf::from("node"),
            env: Vec::new(),
        }
    }
}

/// The route a new worker renders before it counts as started.
const WARMUP_ROUTE: &str = "/__armature_warmup";

type Reply = oneshot::Sender<Result<String, RenderError>>;

struct Worker {
    pid: u32,
    stdin: tokio::sync::Mutex<ChildStdin>,
    pending: Mutex<HashMap<u64, Reply>>,
    child: Mutex<Option<Child>>,
    alive: AtomicBool,
}

impl Worker {
    fn in_flight(&self) -> usize {
        self.pending.lock().expect("pending").len()
    }

    /// Kills the process and fails every render in flight with `why`.
    fn kill(&self, why: &str) {
        self.alive.store(false, Ordering::SeqCst);
        if let Some(mut child) = self.child.lock().expect("child").take() {
            let _ = child.start_kill();
        }
        let pending: Vec<Reply> = self
            .pending
            .lock()
            .expect("pending")
            .drain()
            .map(|(_, reply)| reply)
            .collect();
        for reply in pending {
            let _ = reply.send(Err(RenderError::new(
                RenderErrorKind::Worker,
                format!("node worker {}: {why}; it was replaced", self.pid),
            )));
        }
    }

    fn complete(&self, id: u64, result: Result<String, RenderError>) {
        if let Some(reply) = self.pending.lock().expect("pending").remove(&id) {
            let _ = reply.send(result);
        }
    }

    async fn request(
        &self,
        id: u64,
        route: &str,
        props: Value,
        timeout: Duration,
    ) -> Result<String, RenderError> {
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("pending").insert(id, tx);
        let mut line = serde_json::to_vec(&json!({ "id": id, "route": route, "props": props }))
            .expect("JSON values serialize");
        line.push(b'\n');
        let sent = {
            let mut stdin = self.stdin.lock().await;
            match stdin.write_all(&line).await {
                Ok(()) => stdin.flush().await,
                Err(e) => Err(e),
            }
        };
        if let Err(e) = sent {
            self.kill(&format!("cannot write to it ({e})"));
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(RenderError::new(
                RenderErrorKind::Worker,
                format!("node worker {} went away during `{route}`", self.pid),
            )),
            Err(_) => {
                self.pending.lock().expect("pending").remove(&id);
                self.kill(&format!(
                    "a render did not answer within {} ms",
                    timeout.as_millis()
                ));
                Err(RenderError::new(
                    RenderErrorKind::Timeout,
                    format!(
                        "route `{route}` did not render within {} ms; node worker {} was replaced",
                        timeout.as_millis(),
                        self.pid
                    ),
                ))
            }
        }
    }
}

struct Pool {
    script: PathBuf,
    opts: NodeOptions,
    slots: Vec<Mutex<Option<Arc<Worker>>>>,
    permits: Semaphore,
    next_id: AtomicU64,
    started: Notify,
    closed: AtomicBool,
}

impl Pool {
    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The live worker with the fewest renders in flight.
    fn pick(&self) -> Option<Arc<Worker>> {
        self.slots
            .iter()
            .filter_map(|slot| slot.lock().expect("slot").clone())
            .filter(|w| w.alive.load(Ordering::SeqCst))
            .min_by_key(|w| w.in_flight())
    }

    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        for slot in &self.slots {
            if let Some(worker) = slot.lock().expect("slot").take() {
                worker.kill("the renderer shut down");
            }
        }
    }
}

fn startup(message: String) -> RenderError {
    RenderError::new(RenderErrorKind::Startup, message)
}

async fn spawn_worker(pool: &Arc<Pool>, slot: usize) -> Result<Arc<Worker>, RenderError> {
    let opts = &pool.opts;
    let mut command = Command::new(&opts.node);
    command
        .arg(&pool.script)
        .env_clear()
        .env("NODE_ENV", "production")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    for (key, value) in &opts.env {
        command.env(key, value);
    }
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl` is async-signal-safe; nothing else runs in the child
    // between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            startup(format!(
                "`{}` was not found: install Node.js or set NodeOptions::node",
                opts.node.display()
            ))
        } else {
            startup(format!("cannot start `{}`: {e}", opts.node.display()))
        }
    })?;
    let pid = child.id().unwrap_or(0);
    let stdin = child.stdin.take().expect("piped");
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let worker = Arc::new(Worker {
        pid,
        stdin: tokio::sync::Mutex::new(stdin),
        pending: Mutex::new(HashMap::new()),
        child: Mutex::new(Some(child)),
        alive: AtomicBool::new(true),
    });
    tokio::spawn(read_replies(
        Arc::downgrade(pool),
        Arc::downgrade(&worker),
        slot,
        stdout,
    ));
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::warn!(pid, "node: {line}");
        }
    });
    match worker
        .request(pool.id(), WARMUP_ROUTE, json!({}), opts.startup_timeout)
        .await
    {
        // Any answer, even an error page, shows the script is listening.
        Ok(_) => Ok(worker),
        Err(e) if e.kind() == RenderErrorKind::Script => Ok(worker),
        Err(e) => {
            worker.kill("it did not start");
            Err(startup(format!(
                "node worker for {} did not start: {e}",
                pool.script.display()
            )))
        }
    }
}

#[derive(Deserialize)]
struct Answer {
    id: u64,
    html: Option<String>,
    error: Option<String>,
}

async fn read_replies(pool: Weak<Pool>, worker: Weak<Worker>, slot: usize, stdout: ChildStdout) {
    let mut lines = BufReader::new(stdout).lines();
    let why = loop {
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            Ok(None) => break "it exited".to_owned(),
            Err(e) => break format!("its stdout failed ({e})"),
        };
        let Some(worker) = worker.upgrade() else {
            return;
        };
        match serde_json::from_str::<Answer>(&line) {
            Ok(Answer {
                id,
                html: Some(html),
                error: None,
            }) => worker.complete(id, Ok(html)),
            Ok(Answer {
                id,
                html: None,
                error: Some(error),
            }) => worker.complete(id, Err(RenderError::new(RenderErrorKind::Script, error))),
            _ => {
                let shown: String = line.chars().take(80).collect();
                break format!("it printed a line that is not a reply: {shown:?}");
            }
        }
    };
    if let Some(worker) = worker.upgrade() {
        worker.kill(&why);
    }
    let Some(pool) = pool.upgrade() else {
        return;
    };
    if pool.closed.load(Ordering::SeqCst) {
        return;
    }
    tracing::warn!("node worker in slot {slot}: {why}; starting a replacement");
    restart(pool, slot);
}

/// Replaces the worker of `slot`, retrying with a growing pause while
/// starts fail (a script that crashes at once must not spin).
fn restart(pool: Arc<Pool>, slot: usize) {
    tokio::spawn(async move {
        let mut pause = Duration::from_millis(50);
        while !pool.closed.load(Ordering::SeqCst) {
            match spawn_worker(&pool, slot).await {
                Ok(worker) => {
                    if pool.closed.load(Ordering::SeqCst) {
                        worker.kill("the renderer shut down");
                    } else {
                        *pool.slots[slot].lock().expect("slot") = Some(worker);
                        pool.started.notify_waiters();
                    }
                    return;
                }
                Err(e) => {
                    tracing::error!("cannot restart a node worker: {e}");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        }
    });
}

/// Renders through a pool of long-lived `node` processes running a script
/// that speaks the JSON-lines protocol (see the module documentation).
///
/// ```no_run
/// use armature_runtime::ssr::{NodeOptions, NodeRenderer, Renderer};
///
/// # async fn run() -> Result<(), armature_runtime::ssr::RenderError> {
/// let node = NodeRenderer::start("ssr/server.js", NodeOptions::default()).await?;
/// let html = node.render("/about", serde_json::json!({"title": "About"})).await?;
/// # Ok(()) }
/// ```
pub struct NodeRenderer {
    pool: Arc<Pool>,
}

impl std::fmt::Debug for NodeRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeRenderer")
            .field("script", &self.pool.script)
            .field("workers", &self.pool.opts.workers)
            .finish_non_exhaustive()
    }
}

impl NodeRenderer {
    /// Starts `opts.workers` processes running `script` and waits until
    /// each has answered a warm-up render. `node` missing, a missing
    /// script or a script that never answers is an error here, not at the
    /// first page.
    pub async fn start(script: impl AsRef<Path>, opts: NodeOptions) -> Result<Self, RenderError> {
        let script = std::fs::canonicalize(script.as_ref()).map_err(|e| {
            startup(format!(
                "the SSR script {} cannot be read: {e}",
                script.as_ref().display()
            ))
        })?;
        let workers = opts.workers.max(1);
        let pool = Arc::new(Pool {
            script,
            permits: Semaphore::new(workers * opts.in_flight.max(1)),
            slots: (0..workers).map(|_| Mutex::new(None)).collect(),
            opts,
            next_id: AtomicU64::new(1),
            started: Notify::new(),
            closed: AtomicBool::new(false),
        });
        let started =
            futures::future::join_all((0..workers).map(|slot| spawn_worker(&pool, slot))).await;
        let mut first_error = None;
        for (slot, result) in started.into_iter().enumerate() {
            match result {
                Ok(worker) => *pool.slots[slot].lock().expect("slot") = Some(worker),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            pool.close();
            return Err(e);
        }
        Ok(Self { pool })
    }

    /// The process ids of the live workers (for monitoring and tests).
    pub fn pids(&self) -> Vec<u32> {
        self.pool
            .slots
            .iter()
            .filter_map(|slot| slot.lock().expect("slot").clone())
            .filter(|w| w.alive.load(Ordering::SeqCst))
            .map(|w| w.pid)
            .collect()
    }

    /// Kills every worker; renders in flight fail. Also done on drop.
    pub fn shutdown(&self) {
        self.pool.close();
    }

    async fn render_route(&self, route: &str, props: Value) -> Result<String, RenderError> {
        let pool = &self.pool;
        let _permit = pool
            .permits
            .acquire()
            .await
            .map_err(|_| RenderError::new(RenderErrorKind::Worker, "the renderer shut down"))?;
        let waited = tokio::time::timeout(pool.opts.timeout, async {
            loop {
                let started = pool.started.notified();
                if pool.closed.load(Ordering::SeqCst) {
                    return None;
                }
                if let Some(worker) = pool.pick() {
                    return Some(worker);
                }
                started.await;
            }
        })
        .await;
        let Ok(Some(worker)) = waited else {
            return Err(RenderError::new(
                RenderErrorKind::Worker,
                "no node worker is running (the renderer shut down, or its workers keep failing to start)",
            ));
        };
        worker
            .request(pool.id(), route, props, pool.opts.timeout)
            .await
    }
}

impl Drop for NodeRenderer {
    fn drop(&mut self) {
        self.pool.close();
    }
}

impl Renderer for NodeRenderer {
    fn render<'a>(
        &'a self,
        route: &'a str,
        props: Value,
    ) -> BoxFuture<'a, Result<String, RenderError>> {
        Box::pin(self.render_route(route, props))
    }

    fn concurrency(&self) -> usize {
        self.pool.slots.len() * self.pool.opts.in_flight.max(1)
    }
}
