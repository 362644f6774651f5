//! Ratios that survive a noisy machine: baseline and contender run in
//! alternating rounds, and the ratio is the median of per-round ratios, so
//! a slow phase of the VM slows both sides alike (see BENCHMARKING.md).
//! Results are printed and appended to `target/criterion/ratios.jsonl`,
//! which `scripts/bench-table` reads.

#![allow(dead_code)]

use std::fs::OpenOptions;
use std::io::Write;
use std::time::{Duration, Instant};

pub struct Ratio {
    pub name: String,
    pub baseline_ns: f64,
    pub contender_ns: f64,
    /// Median over rounds of contender / baseline time.
    pub ratio: f64,
    /// CPU time the hypervisor took from this VM during the measurement
    /// (`steal` in /proc/stat): above ~10% of the wall time, the other
    /// core was not really free and a parallel ratio understates.
    pub steal_share: f64,
}

/// Total and steal jiffies of the whole machine.
fn machine_times() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?;
    let fields: Vec<u64> = cpu
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    Some((fields.iter().sum(), *fields.get(7)?))
}

/// Times `f` over enough iterations to fill `budget`, returning ns per call.
fn time_round(f: &mut dyn FnMut(), iterations: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed().as_nanos() as f64 / iterations as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Runs `baseline` and `contender` alternately for `rounds` rounds of about
/// `round` each and reports the medians and the median ratio.
pub fn interleaved(
    name: &str,
    rounds: usize,
    round: Duration,
    mut baseline: impl FnMut(),
    mut contender: impl FnMut(),
) -> Ratio {
    // Calibrate iterations per round on the baseline (after a warm-up call each).
    baseline();
    contender();
    let probe = Instant::now();
    baseline();
    let once = probe.elapsed().max(Duration::from_nanos(20));
    let iterations = (round.as_nanos() / once.as_nanos()).clamp(1, 10_000_000) as u64;

    let before = machine_times();
    let (mut b, mut c, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds {
        // Alternate which side goes first, so neither always runs warm.
        let (tb, tc) = if i % 2 == 0 {
            let tb = time_round(&mut baseline, iterations);
            (tb, time_round(&mut contender, iterations))
        } else {
            let tc = time_round(&mut contender, iterations);
            (time_round(&mut baseline, iterations), tc)
        };
        b.push(tb);
        c.push(tc);
        r.push(tc / tb);
    }
    let steal_share = match (before, machine_times()) {
        (Some((t0, s0)), Some((t1, s1))) if t1 > t0 => (s1 - s0) as f64 / (t1 - t0) as f64,
        _ => 0.0,
    };
    let ratio = Ratio {
        name: name.to_owned(),
        baseline_ns: median(&mut b),
        contender_ns: median(&mut c),
        ratio: median(&mut r),
        steal_share,
    };
    report(&ratio);
    ratio
}

/// An empty folder `target/bench-scratch/<name>` (absolute) for a bench's
/// files; [`remove_scratch`] deletes them all.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = scratch_root().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder under target/");
    std::fs::canonicalize(dir).expect("it exists")
}

pub fn remove_scratch() {
    let _ = std::fs::remove_dir_all(scratch_root());
}

fn scratch_root() -> std::path::PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    std::path::Path::new(&target).join("bench-scratch")
}

/// Records a comparison measured some other way (rates of whole runs
/// rather than alternating rounds); `ratio` is contender / baseline.
pub fn record(name: &str, baseline_ns: f64, contender_ns: f64) -> Ratio {
    let ratio = Ratio {
        name: name.to_owned(),
        baseline_ns,
        contender_ns,
        ratio: contender_ns / baseline_ns,
        steal_share: 0.0,
    };
    report(&ratio);
    ratio
}

fn fmt_ns(ns: f64) -> String {
    match ns {
        n if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.2} µs", n / 1e3),
        n => format!("{n:.0} ns"),
    }
}

fn report(r: &Ratio) {
    println!(
        "ratio {:<44} baseline {:>10}  contender {:>10}  contender/baseline {:.3}  (speed-up {:.2}x)  steal {:.0}%",
        r.name,
        fmt_ns(r.baseline_ns),
        fmt_ns(r.contender_ns),
        r.ratio,
        1.0 / r.ratio,
        r.steal_share * 100.0
    );
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = std::path::Path::new(&dir).join("criterion");
    let _ = std::fs::create_dir_all(&path);
    if let Ok(mut f) = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path.join("ratios.jsonl"))
    {
        let _ = writeln!(
            f,
            "{{\"name\":\"{}\",\"baseline_ns\":{:.1},\"contender_ns\":{:.1},\"ratio\":{:.4},\"steal\":{:.3}}}",
            r.name, r.baseline_ns, r.contender_ns, r.ratio, r.steal_share
        );
    }
}

/// Whether `cargo bench` asked for a quick smoke run (`--no-run` builds
/// only; `ARMATURE_BENCH_QUICK=1` shortens rounds, as CI may).
pub fn rounds(full: usize) -> usize {
    if std::env::var_os("ARMATURE_BENCH_QUICK").is_some() {
        3
    } else {
        full
    }
}

/// Declares no-op independent middleware, one per name: what the
/// per-member overhead benches (`middleware`, `http`) measure. (Every
/// bench includes this module; the others do not use it.)
#[allow(unused_macros)]
macro_rules! noop_middleware {
    ($($name:ident),*) => {$(
        #[::armature::middleware(independent)]
        async fn $name(_: &::armature::RequestHead) {}
    )*};
}
#[allow(unused_imports)]
pub(crate) use noop_middleware;
