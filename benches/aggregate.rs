//! `#[aggregate]` against the same function without it (and against the
//! critical path joined by hand): sources that wait on timers, and ready
//! sources that show the CPU cost of the join itself.

use std::hint::black_box;
use std::time::Duration;

use armature::aggregate;
use criterion::Criterion;

mod support;

#[derive(Debug)]
struct Error;

async fn source(ms: u64, value: u64) -> Result<u64, Error> {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(value)
}

async fn ready(value: u64) -> Result<u64, Error> {
    Ok(black_box(value))
}

macro_rules! twins {
    ($plain:ident, $joined:ident, { $($body:tt)* }) => {
        async fn $plain() -> Result<u64, Error> { $($body)* }
        #[aggregate]
        async fn $joined() -> Result<u64, Error> { $($body)* }
    };
}

twins!(four_sequential, four_joined, {
    let a = source(2, 1).await?;
    let b = source(2, 2).await?;
    let c = source(2, 3).await?;
    let d = source(2, 4).await?;
    Ok(a + b + c + d)
});

twins!(diamond_sequential, diamond_joined, {
    let a = source(2, 1).await?;
    let b = source(10, 2).await?;
    let c = source(10, a).await?;
    let d = source(2, b).await?;
    Ok(c + d)
});

/// The diamond's critical path, written by hand: (a then c) with (b then d).
async fn diamond_by_hand() -> Result<u64, Error> {
    let (c, d) = tokio::try_join!(
        async {
            let a = source(2, 1).await?;
            source(10, a).await
        },
        async {
            let b = source(10, 2).await?;
            source(2, b).await
        }
    )?;
    Ok(c + d)
}

twins!(ready_sequential, ready_joined, {
    let a = ready(1).await?;
    let b = ready(2).await?;
    let c = ready(3).await?;
    let d = ready(4).await?;
    Ok(a + b + c + d)
});

twins!(chain_plain, chain_aggregate, {
    let a = ready(1).await?;
    let b = ready(a + 1).await?;
    let c = ready(b + 1).await?;
    Ok(c)
});

fn ratios(rt: &tokio::runtime::Runtime) {
    use support::interleaved;
    let rounds = support::rounds(20);
    interleaved(
        "aggregate: 4 independent 2 ms sources vs sequential",
        rounds,
        Duration::from_millis(100),
        || drop(black_box(rt.block_on(four_sequential()))),
        || drop(black_box(rt.block_on(four_joined()))),
    );
    interleaved(
        "aggregate: the diamond vs its critical path joined by hand",
        rounds,
        Duration::from_millis(150),
        || drop(black_box(rt.block_on(diamond_by_hand()))),
        || drop(black_box(rt.block_on(diamond_joined()))),
    );
    interleaved(
        "aggregate: the diamond vs sequential",
        rounds,
        Duration::from_millis(150),
        || drop(black_box(rt.block_on(diamond_sequential()))),
        || drop(black_box(rt.block_on(diamond_joined()))),
    );
    interleaved(
        "aggregate: 4 ready sources joined vs sequential (CPU cost)",
        rounds,
        Duration::from_millis(60),
        || drop(black_box(rt.block_on(ready_sequential()))),
        || drop(black_box(rt.block_on(ready_joined()))),
    );
    interleaved(
        "aggregate: a chain (nothing to join) vs the plain function",
        rounds,
        Duration::from_millis(60),
        || drop(black_box(rt.block_on(chain_plain()))),
        || drop(black_box(rt.block_on(chain_aggregate()))),
    );
}

fn benches(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let mut group = c.benchmark_group("aggregate");
    group.bench_function("ready/sequential", |b| {
        b.iter(|| rt.block_on(ready_sequential()).ok())
    });
    group.bench_function("ready/joined", |b| {
        b.iter(|| rt.block_on(ready_joined()).ok())
    });
    group.bench_function("chain/plain", |b| {
        b.iter(|| rt.block_on(chain_plain()).ok())
    });
    group.bench_function("chain/aggregate", |b| {
        b.iter(|| rt.block_on(chain_aggregate()).ok())
    });
    group.sample_size(10);
    group.bench_function("timers/four_joined", |b| {
        b.iter(|| rt.block_on(four_joined()).ok())
    });
    group.finish();
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if std::env::args().any(|a| a == "--bench") {
        ratios(&rt);
    }
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &rt);
    c.final_summary();
}
