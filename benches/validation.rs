//! Validation benches. Each group measures its baseline and its contender
//! in the same run; `scripts/bench-table` turns the medians into the
//! README's ratios.
//!
//! - `validate/{valid,invalid}`: one 20-field sign-up form, identical rules
//!   and semantics (lengths in chars) in armature, validator and garde.
//! - `parallel/cheap`: `validate_parallel` on that form must choose inline.
//! - `parallel/costly`: 16 fields with a ~50 µs custom check each.
//! - `batch`: 10,000 forms, a sequential loop vs `validate_batch` (and the
//!   baselines with a hand-written rayon `par_iter`, for reference).
//!
//! After the criterion groups, each comparison is re-measured interleaved
//! (`support::interleaved`): those are the ratios the README quotes.

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use rayon::prelude::*;

mod support;

mod arm {
    use armature::prelude::*;

    #[derive(Validate, Clone)]
    pub struct Address {
        #[validate(length(min = 1, max = 128))]
        pub street: String,
        #[validate(length(min = 1, max = 64))]
        pub city: String,
        #[validate(length(min = 5, max = 10))]
        pub zip: String,
    }

    #[derive(Validate, Clone)]
    pub struct SignUp {
        #[validate(length(min = 3, max = 32))]
        pub username: String,
        #[validate(length(min = 1, max = 64))]
        pub display_name: String,
        #[validate(email)]
        pub email: String,
        #[validate(email)]
        pub backup_email: String,
        #[validate(url)]
        pub homepage: String,
        #[validate(url)]
        pub avatar_url: String,
        #[validate(range(min = 13, max = 130))]
        pub age: u32,
        #[validate(range(min = 50, max = 250))]
        pub height_cm: u32,
        #[validate(length(min = 8, max = 128))]
        pub password: String,
        #[validate(length(max = 500))]
        pub bio: String,
        #[validate(length(equal = 2))]
        pub country: String,
        #[validate(pattern = r"^\d{5}$")]
        pub zip_code: String,
        #[validate(length(min = 7, max = 20))]
        pub phone: String,
        #[validate(length(max = 32))]
        pub referral: String,
        #[validate(range(min = 0, max = 100))]
        pub score: u32,
        #[validate(length(min = 2, max = 5))]
        pub lang: String,
        #[validate(length(min = 1, max = 64))]
        pub timezone: String,
        #[validate(length(max = 100))]
        pub company: String,
        #[validate(nested)]
        pub address: Address,
        #[validate(length(max = 10), each(length(min = 1, max = 20)))]
        pub tags: Vec<String>,
    }

    pub fn expensive(s: &str) -> Result<(), ValidationError> {
        super::burn(s)
            .then_some(())
            .ok_or_else(|| ValidationError::new("expensive"))
    }

    #[derive(Validate)]
    pub struct Costly {
        #[validate(custom = expensive)]
        pub f0: String,
        #[validate(custom = expensive)]
        pub f1: String,
        #[validate(custom = expensive)]
        pub f2: String,
        #[validate(custom = expensive)]
        pub f3: String,
        #[validate(custom = expensive)]
        pub f4: String,
        #[validate(custom = expensive)]
        pub f5: String,
        #[validate(custom = expensive)]
        pub f6: String,
        #[validate(custom = expensive)]
        pub f7: String,
        #[validate(custom = expensive)]
        pub f8: String,
        #[validate(custom = expensive)]
        pub f9: String,
        #[validate(custom = expensive)]
        pub f10: String,
        #[validate(custom = expensive)]
        pub f11: String,
        #[validate(custom = expensive)]
        pub f12: String,
        #[validate(custom = expensive)]
        pub f13: String,
        #[validate(custom = expensive)]
        pub f14: String,
        #[validate(custom = expensive)]
        pub f15: String,
    }
}

static ZIP_RE: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"^\d{5}$").unwrap());

mod val {
    use super::ZIP_RE;
    use validator::{Validate, ValidationError};

    fn tags(tags: &[String]) -> Result<(), ValidationError> {
        for t in tags {
            let n = t.chars().count();
            if !(1..=20).contains(&n) {
                return Err(ValidationError::new("length"));
            }
        }
        Ok(())
    }

    #[derive(Validate, Clone)]
    pub struct Address {
        #[validate(length(min = 1, max = 128))]
        pub street: String,
        #[validate(length(min = 1, max = 64))]
        pub city: String,
        #[validate(length(min = 5, max = 10))]
        pub zip: String,
    }

    #[derive(Validate, Clone)]
    pub struct SignUp {
        #[validate(length(min = 3, max = 32))]
        pub username: String,
        #[validate(length(min = 1, max = 64))]
        pub display_name: String,
        #[validate(email)]
        pub email: String,
        #[validate(email)]
        pub backup_email: String,
        #[validate(url)]
        pub homepage: String,
        #[validate(url)]
        pub avatar_url: String,
        #[validate(range(min = 13, max = 130))]
        pub age: u32,
        #[validate(range(min = 50, max = 250))]
        pub height_cm: u32,
        #[validate(length(min = 8, max = 128))]
        pub password: String,
        #[validate(length(max = 500))]
        pub bio: String,
        #[validate(length(equal = 2))]
        pub country: String,
        #[validate(regex(path = *ZIP_RE))]
        pub zip_code: String,
        #[validate(length(min = 7, max = 20))]
        pub phone: String,
        #[validate(length(max = 32))]
        pub referral: String,
        #[validate(range(min = 0, max = 100))]
        pub score: u32,
        #[validate(length(min = 2, max = 5))]
        pub lang: String,
        #[validate(length(min = 1, max = 64))]
        pub timezone: String,
        #[validate(length(max = 100))]
        pub company: String,
        #[validate(nested)]
        pub address: Address,
        #[validate(length(max = 10), custom(function = "tags"))]
        pub tags: Vec<String>,
    }
}

mod gar {
    use garde::Validate;

    #[derive(Validate, Clone)]
    pub struct Address {
        #[garde(length(chars, min = 1, max = 128))]
        pub street: String,
        #[garde(length(chars, min = 1, max = 64))]
        pub city: String,
        #[garde(length(chars, min = 5, max = 10))]
        pub zip: String,
    }

    #[derive(Validate, Clone)]
    pub struct SignUp {
        #[garde(length(chars, min = 3, max = 32))]
        pub username: String,
        #[garde(length(chars, min = 1, max = 64))]
        pub display_name: String,
        #[garde(email)]
        pub email: String,
        #[garde(email)]
        pub backup_email: String,
        #[garde(url)]
        pub homepage: String,
        #[garde(url)]
        pub avatar_url: String,
        #[garde(range(min = 13, max = 130))]
        pub age: u32,
        #[garde(range(min = 50, max = 250))]
        pub height_cm: u32,
        #[garde(length(chars, min = 8, max = 128))]
        pub password: String,
        #[garde(length(chars, max = 500))]
        pub bio: String,
        #[garde(length(chars, equal = 2))]
        pub country: String,
        #[garde(pattern(r"^\d{5}$"))]
        pub zip_code: String,
        #[garde(length(chars, min = 7, max = 20))]
        pub phone: String,
        #[garde(length(chars, max = 32))]
        pub referral: String,
        #[garde(range(min = 0, max = 100))]
        pub score: u32,
        #[garde(length(chars, min = 2, max = 5))]
        pub lang: String,
        #[garde(length(chars, min = 1, max = 64))]
        pub timezone: String,
        #[garde(length(chars, max = 100))]
        pub company: String,
        #[garde(dive)]
        pub address: Address,
        #[garde(length(max = 10), inner(length(chars, min = 1, max = 20)))]
        pub tags: Vec<String>,
    }
}

/// ~50 µs of hashing; true unless the input hashes to 0 mod 97.
fn burn(s: &str) -> bool {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for _ in 0..black_box(1_000) {
        for b in s.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    !h.is_multiple_of(97)
}

/// The same form as plain strings, built into each library's struct.
struct Form {
    s: [&'static str; 18],
    n: [u32; 3],
    address: [&'static str; 3],
    tags: [&'static str; 5],
}

const VALID: Form = Form {
    s: [
        "ada_lovelace",
        "Ada Lovelace",
        "ada@example.com",
        "ada.backup@mail.example.org",
        "https://ada.example.com/about",
        "https://cdn.example.com/avatars/ada.png?size=128",
        "correct horse battery",
        "Mathematician and writer, chiefly known for her work on the Analytical Engine.",
        "GB",
        "12345",
        "+44 20 7946 0958",
        "babbage",
        "en-GB",
        "Europe/London",
        "Analytical Engines Ltd",
        "",
        "",
        "",
    ],
    n: [36, 165, 99],
    address: ["12 St James's Square", "London", "SW1Y4"],
    tags: ["math", "poetry", "engines", "notes", "bernoulli"],
};

const INVALID: Form = Form {
    s: [
        "x",
        "Ada Lovelace",
        "ada@@example.com",
        "ada.backup@mail.example.org",
        "not a url",
        "https://cdn.example.com/avatars/ada.png?size=128",
        "short",
        "Mathematician and writer.",
        "GBR",
        "1234",
        "+44 20 7946 0958",
        "babbage",
        "english",
        "Europe/London",
        "Analytical Engines Ltd",
        "",
        "",
        "",
    ],
    n: [9, 165, 101],
    address: ["", "London", "SW1Y4"],
    tags: ["math", "", "engines", "notes", "a-tag-that-is-far-too-long"],
};

macro_rules! build {
    ($m:ident, $f:expr) => {{
        let f = $f;
        $m::SignUp {
            username: f.s[0].into(),
            display_name: f.s[1].into(),
            email: f.s[2].into(),
            backup_email: f.s[3].into(),
            homepage: f.s[4].into(),
            avatar_url: f.s[5].into(),
            age: f.n[0],
            height_cm: f.n[1],
            password: f.s[6].into(),
            bio: f.s[7].into(),
            country: f.s[8].into(),
            zip_code: f.s[9].into(),
            phone: f.s[10].into(),
            referral: f.s[11].into(),
            score: f.n[2],
            lang: f.s[12].into(),
            timezone: f.s[13].into(),
            company: f.s[14].into(),
            address: $m::Address {
                street: f.address[0].into(),
                city: f.address[1].into(),
                zip: f.address[2].into(),
            },
            tags: f.tags.iter().map(|t| t.to_string()).collect(),
        }
    }};
}

fn per_struct(c: &mut Criterion) {
    for (name, form) in [("valid", &VALID), ("invalid", &INVALID)] {
        let a = build!(arm, form);
        let v = build!(val, form);
        let g = build!(gar, form);
        assert_eq!(armature::Validate::validate(&a).is_ok(), name == "valid");
        assert_eq!(validator::Validate::validate(&v).is_ok(), name == "valid");
        assert_eq!(garde::Validate::validate(&g).is_ok(), name == "valid");
        let mut group = c.benchmark_group(format!("validate/{name}"));
        group.bench_function("armature", |b| {
            b.iter(|| armature::Validate::validate(black_box(&a)))
        });
        group.bench_function("validator", |b| {
            b.iter(|| validator::Validate::validate(black_box(&v)))
        });
        group.bench_function("garde", |b| {
            b.iter(|| garde::Validate::validate(black_box(&g)))
        });
        group.finish();
    }
}

fn parallel(c: &mut Criterion) {
    let cheap = build!(arm, &VALID);
    let mut group = c.benchmark_group("parallel/cheap");
    group.bench_function("validate", |b| {
        b.iter(|| armature::Validate::validate(black_box(&cheap)))
    });
    group.bench_function("validate_parallel", |b| {
        b.iter(|| armature::Validate::validate_parallel(black_box(&cheap)))
    });
    group.finish();

    let costly = costly();
    assert_eq!(
        armature::Validate::validate(&costly),
        armature::Validate::validate_parallel(&costly)
    );
    let mut group = c.benchmark_group("parallel/costly");
    group.sample_size(30);
    group.bench_function("validate", |b| {
        b.iter(|| armature::Validate::validate(black_box(&costly)))
    });
    group.bench_function("validate_parallel", |b| {
        b.iter(|| armature::Validate::validate_parallel(black_box(&costly)))
    });
    group.finish();
}

fn costly() -> arm::Costly {
    let s = |i: usize| format!("field number {i} of the costly form");
    arm::Costly {
        f0: s(0),
        f1: s(1),
        f2: s(2),
        f3: s(3),
        f4: s(4),
        f5: s(5),
        f6: s(6),
        f7: s(7),
        f8: s(8),
        f9: s(9),
        f10: s(10),
        f11: s(11),
        f12: s(12),
        f13: s(13),
        f14: s(14),
        f15: s(15),
    }
}

const N: usize = 10_000;

/// 10,000 records, every 10th invalid, as in a real import.
fn records() -> (Vec<arm::SignUp>, Vec<val::SignUp>, Vec<gar::SignUp>) {
    let pick = |i: usize| if i % 10 == 3 { &INVALID } else { &VALID };
    let a: Vec<_> = (0..N).map(|i| build!(arm, pick(i))).collect();
    let v: Vec<_> = (0..N).map(|i| build!(val, pick(i))).collect();
    let g: Vec<_> = (0..N).map(|i| build!(gar, pick(i))).collect();
    assert_eq!(armature::validate_batch(&a).failures.len(), N / 10);
    (a, v, g)
}

fn sequential_armature(a: &[arm::SignUp]) -> Vec<(usize, armature::ValidationErrors)> {
    a.iter()
        .enumerate()
        .filter_map(|(i, r)| armature::Validate::validate(r).err().map(|e| (i, e)))
        .collect()
}

/// A sequential loop and a rayon `par_iter` collecting `(index, errors)`,
/// for any of the three libraries.
macro_rules! batch_fns {
    ($seq:ident, $par:ident, $ty:ty, $validate:path) => {
        fn $seq(records: &[$ty]) -> usize {
            records
                .iter()
                .enumerate()
                .filter_map(|(i, r)| $validate(r).err().map(|e| (i, e)))
                .collect::<Vec<_>>()
                .len()
        }
        fn $par(records: &[$ty]) -> usize {
            records
                .par_iter()
                .enumerate()
                .filter_map(|(i, r)| $validate(r).err().map(|e| (i, e)))
                .collect::<Vec<_>>()
                .len()
        }
    };
}
batch_fns!(
    validator_seq,
    validator_par,
    val::SignUp,
    validator::Validate::validate
);
batch_fns!(garde_seq, garde_par, gar::SignUp, garde::Validate::validate);

fn batch(c: &mut Criterion) {
    let (a, v, g) = records();

    let mut group = c.benchmark_group("batch");
    group.sample_size(20);
    group.bench_function("armature/sequential", |b| {
        b.iter(|| sequential_armature(black_box(&a)))
    });
    group.bench_function("armature/validate_batch", |b| {
        b.iter(|| armature::validate_batch(black_box(&a)))
    });
    group.bench_function("validator/sequential", |b| {
        b.iter(|| validator_seq(black_box(&v)))
    });
    group.bench_function("validator/par_iter", |b| {
        b.iter(|| validator_par(black_box(&v)))
    });
    group.bench_function("garde/sequential", |b| b.iter(|| garde_seq(black_box(&g))));
    group.bench_function("garde/par_iter", |b| b.iter(|| garde_par(black_box(&g))));
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .noise_threshold(0.03)
}

/// The README's ratios, each pair measured interleaved.
fn ratios(filter: Option<&str>) {
    use support::interleaved;
    let wanted = |name: &str| filter.is_none_or(|f| name.contains(f));
    let round = Duration::from_millis(40);
    let rounds = support::rounds(25);
    for (kind, form) in [("valid", &VALID), ("invalid", &INVALID)] {
        let a = build!(arm, form);
        let v = build!(val, form);
        let g = build!(gar, form);
        let name = format!("validate/{kind}: armature vs validator");
        if wanted(&name) {
            interleaved(
                &name,
                rounds,
                round,
                || drop(black_box(validator::Validate::validate(black_box(&v)))),
                || drop(black_box(armature::Validate::validate(black_box(&a)))),
            );
        }
        let name = format!("validate/{kind}: armature vs garde");
        if wanted(&name) {
            interleaved(
                &name,
                rounds,
                round,
                || drop(black_box(garde::Validate::validate(black_box(&g)))),
                || drop(black_box(armature::Validate::validate(black_box(&a)))),
            );
        }
    }
    let cheap = build!(arm, &VALID);
    let name = "parallel/cheap: validate_parallel vs validate";
    if wanted(name) {
        interleaved(
            name,
            rounds,
            round,
            || drop(black_box(armature::Validate::validate(black_box(&cheap)))),
            || {
                drop(black_box(armature::Validate::validate_parallel(black_box(
                    &cheap,
                ))))
            },
        );
    }
    let costly = costly();
    let name = "parallel/costly: validate_parallel vs validate";
    if wanted(name) {
        interleaved(
            name,
            rounds,
            round,
            || drop(black_box(armature::Validate::validate(black_box(&costly)))),
            || {
                drop(black_box(armature::Validate::validate_parallel(black_box(
                    &costly,
                ))))
            },
        );
    }
    if ["batch: armature", "batch: validator", "batch: garde"]
        .iter()
        .any(|n| wanted(n))
    {
        let (a, v, g) = records();
        let round = Duration::from_millis(120);
        interleaved(
            "batch: armature validate_batch vs sequential",
            rounds,
            round,
            || drop(black_box(sequential_armature(black_box(&a)))),
            || drop(black_box(armature::validate_batch(black_box(&a)))),
        );
        interleaved(
            "batch: validator par_iter vs sequential",
            rounds,
            round,
            || {
                black_box(validator_seq(black_box(&v)));
            },
            || {
                black_box(validator_par(black_box(&v)));
            },
        );
        interleaved(
            "batch: garde par_iter vs sequential",
            rounds,
            round,
            || {
                black_box(garde_seq(black_box(&g)));
            },
            || {
                black_box(garde_par(black_box(&g)));
            },
        );
    }
}

criterion_group! {
    name = benches;
    config = config();
    targets = per_struct, parallel, batch
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs this without `--bench`: criterion then
    // only smoke-tests each bench, and the timed ratios are skipped.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") {
        let filter = args
            .iter()
            .skip(1)
            .find(|a| !a.starts_with('-'))
            .map(String::as_str);
        ratios(filter);
    }
}
