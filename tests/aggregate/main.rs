//! `#[aggregate]`: independent awaits run concurrently, each statement
//! starting as soon as its inputs exist, with the sequential meaning kept.
//! Time is tokio's paused clock, so latencies are exact.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use armature::prelude::*;
use tokio::time::{Instant, sleep};

#[derive(Debug, PartialEq)]
struct SourceError(&'static str);

#[derive(Debug, PartialEq)]
struct AppError(String);

impl From<SourceError> for AppError {
    fn from(e: SourceError) -> Self {
        AppError(format!("source failed: {}", e.0))
    }
}

async fn after(ms: u64, value: u64) -> Result<u64, SourceError> {
    sleep(Duration::from_millis(ms)).await;
    Ok(value)
}

async fn failing(ms: u64) -> Result<u64, SourceError> {
    sleep(Duration::from_millis(ms)).await;
    Err(SourceError("boom"))
}

fn ms(since: Instant) -> u128 {
    since.elapsed().as_millis()
}

#[aggregate]
async fn four_independent() -> Result<u64, AppError> {
    let a = after(50, 1).await?;
    let b = after(50, 2).await?;
    let c = after(50, 3).await?;
    let d = after(50, 4).await?;
    Ok(a + b + c + d)
}

#[tokio::test(start_paused = true)]
async fn four_independent_sources_take_one_latency() {
    let start = Instant::now();
    assert_eq!(four_independent().await, Ok(10));
    assert_eq!(ms(start), 50);
}

#[aggregate]
async fn chain_and_one_more() -> Result<u64, AppError> {
    let a = after(50, 1).await?;
    let b = after(50, a + 1).await?;
    let c = after(50, 10).await?;
    Ok(a + b + c)
}

#[tokio::test(start_paused = true)]
async fn a_chain_and_an_independent_source() {
    let start = Instant::now();
    assert_eq!(chain_and_one_more().await, Ok(13));
    assert_eq!(ms(start), 100);
}

/// Level by level would take 200 ms (a, b, then c, d); the critical path is 110.
#[aggregate]
async fn diamond() -> Result<(u64, u64), AppError> {
    let a = after(10, 1).await?;
    let b = after(100, 2).await?;
    let c = after(100, a * 10).await?;
    let d = after(10, b * 10).await?;
    Ok((c, d))
}

#[tokio::test(start_paused = true)]
async fn the_diamond_takes_its_critical_path() {
    let start = Instant::now();
    assert_eq!(diamond().await, Ok((10, 20)));
    assert_eq!(ms(start), 110);
}

/// Records whether a source finished, and whether it was dropped.
struct Watched {
    finished: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

impl Watched {
    async fn source(&self, ms: u64) -> Result<u64, SourceError> {
        struct OnDrop(Arc<AtomicUsize>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let _guard = OnDrop(self.dropped.clone());
        sleep(Duration::from_millis(ms)).await;
        self.finished.fetch_add(1, Ordering::SeqCst);
        Ok(ms)
    }
}

#[aggregate]
async fn one_fails(w: &Watched) -> Result<u64, AppError> {
    let a = w.source(50).await?;
    let b = failing(20).await?;
    let c = w.source(80).await?;
    Ok(a + b + c)
}

#[tokio::test(start_paused = true)]
async fn the_first_error_returns_converted_and_the_others_are_dropped() {
    let w = Watched {
        finished: Arc::default(),
        dropped: Arc::default(),
    };
    let start = Instant::now();
    let result = one_fails(&w).await;
    assert_eq!(result, Err(AppError("source failed: boom".into())));
    assert_eq!(ms(start), 20, "returned when the error was known");
    assert_eq!(w.dropped.load(Ordering::SeqCst), 2, "both others dropped");
    assert_eq!(w.finished.load(Ordering::SeqCst), 0, "neither finished");
}

/// Statements without `?` join fully; an `Option` function's `?` works too.
#[aggregate]
async fn options(ids: &[u64]) -> Option<u64> {
    let first = async { ids.first().copied() }.await?;
    let plain = after(30, 5).await;
    let last = async { ids.last().copied() }.await?;
    Some(first + last + plain.unwrap_or(0))
}

#[tokio::test(start_paused = true)]
async fn option_functions_and_plain_statements() {
    assert_eq!(options(&[1, 2, 3]).await, Some(9));
    assert_eq!(options(&[]).await, None);
}

/// A value read by one later statement only is moved into it, as in the
/// sequential code (`greet` takes a `String`).
async fn name() -> String {
    sleep(Duration::from_millis(40)).await;
    "ada".to_owned()
}

async fn greet(name: String) -> String {
    sleep(Duration::from_millis(10)).await;
    format!("hello {name}")
}

#[aggregate]
async fn handoff() -> String {
    let n = name().await;
    let count = after(40, 2).await;
    let greeting = greet(n).await;
    format!("{greeting} x{}", count.unwrap_or(0))
}

#[tokio::test(start_paused = true)]
async fn a_value_read_once_is_moved_into_its_reader() {
    let start = Instant::now();
    assert_eq!(handoff().await, "hello ada x2");
    assert_eq!(ms(start), 50);
}

struct Services {
    delay: u64,
}

impl Services {
    #[aggregate]
    async fn pair<T: Clone + Send + Sync>(&self, item: T) -> Result<(T, u64), AppError> {
        let copy = async { Ok::<_, SourceError>(item.clone()) }.await?;
        let n = after(self.delay, 7).await?;
        let m = after(self.delay, 8).await?;
        Ok((copy, n + m))
    }
}

#[tokio::test(start_paused = true)]
async fn methods_and_generic_functions() {
    let svc = Services { delay: 30 };
    let start = Instant::now();
    assert_eq!(svc.pair("x").await, Ok(("x", 15)));
    assert_eq!(ms(start), 30);
}

/// Side effects between runs keep their order; a mutable receiver keeps its
/// uses in order.
struct Log(Vec<&'static str>);

impl Log {
    async fn push(&mut self, entry: &'static str, ms: u64) -> usize {
        sleep(Duration::from_millis(ms)).await;
        self.0.push(entry);
        self.0.len()
    }
}

#[aggregate]
async fn ordered(mut log: Log) -> (Vec<&'static str>, u64) {
    let first = log.push("first", 30).await;
    let other = after(30, 1).await;
    let second = log.push("second", 10).await;
    let (a, b) = (first, second);
    let x = after(20, 2).await;
    let y = after(20, 3).await;
    log.0.push("after the runs");
    (
        log.0,
        other.unwrap_or(0) + x.unwrap_or(0) + y.unwrap_or(0) + a as u64 * 10 + b as u64 * 100,
    )
}

#[tokio::test(start_paused = true)]
async fn mutable_receivers_and_barriers_keep_their_order() {
    let start = Instant::now();
    let (entries, sum) = ordered(Log(Vec::new())).await;
    assert_eq!(entries, ["first", "second", "after the runs"]);
    assert_eq!(sum, 1 + 2 + 3 + 10 + 200);
    // log: 30 + 10 (other alongside), then a barrier, then 20 (x and y).
    assert_eq!(ms(start), 60);
}

// Generated straight-line programs: each compiled plain and aggregated.

thread_local! {
    static FINISHED: Cell<usize> = const { Cell::new(0) };
}

fn mix(i: u64, inputs: &[u64]) -> u64 {
    inputs
        .iter()
        .fold(i.wrapping_mul(0x9e37_79b9_7f4a_7c15), |h, x| {
            (h ^ x).wrapping_mul(0x100_0000_01b3)
        })
}

async fn src(ms: u64, i: u64, inputs: &[u64]) -> Result<u64, SourceError> {
    sleep(Duration::from_millis(ms)).await;
    FINISHED.with(|f| f.set(f.get() + 1));
    Ok(mix(i, inputs))
}

async fn plain(ms: u64, i: u64, inputs: &[u64]) -> u64 {
    src(ms, i, inputs).await.unwrap_or(0)
}

/// A statement that is not a join candidate: every statement before it
/// has finished when it runs.
fn barrier(before: usize) {
    assert_eq!(FINISHED.with(Cell::get), before, "a barrier ran early");
}

type Run = fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64, AppError>>>>;

struct Program {
    name: &'static str,
    sequential_ms: u128,
    aggregate_ms: u128,
    plain: Run,
    joined: Run,
}

macro_rules! twin {
    ($name:ident, $seq:expr, $agg:expr, { $($body:tt)* }) => {
        #[allow(unused_parens)]
        mod $name {
            use super::*;
            pub const SEQUENTIAL_MS: u128 = $seq;
            pub const AGGREGATE_MS: u128 = $agg;
            #[allow(unused_variables)]
            pub async fn plain_version() -> Result<u64, AppError> { $($body)* }
            #[allow(unused_variables)]
            #[aggregate]
            pub async fn joined() -> Result<u64, AppError> { $($body)* }
        }
    };
}

macro_rules! program {
    ($name:ident) => {
        Program {
            name: stringify!($name),
            sequential_ms: $name::SEQUENTIAL_MS,
            aggregate_ms: $name::AGGREGATE_MS,
            plain: || Box::pin($name::plain_version()),
            joined: || Box::pin($name::joined()),
        }
    };
}

include!("generated.rs");

#[tokio::test(start_paused = true)]
async fn generated_programs_mean_the_same_and_take_their_critical_path() {
    for program in PROGRAMS {
        FINISHED.with(|f| f.set(0));
        let start = Instant::now();
        let expected = (program.plain)().await;
        assert_eq!(
            ms(start),
            program.sequential_ms,
            "{} sequential",
            program.name
        );

        FINISHED.with(|f| f.set(0));
        let start = Instant::now();
        let joined = (program.joined)().await;
        assert_eq!(joined, expected, "{}: a different result", program.name);
        assert_eq!(
            ms(start),
            program.aggregate_ms,
            "{}: not its critical path",
            program.name
        );
    }
}
