//! `showcase validate FILE`: a bulk import checked with `validate_batch`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use armature::prelude::*;

use crate::model::SignUp;

/// Failures printed in full.
const SHOWN: usize = 8;

/// Reads a JSON array of sign-ups and reports on every record. A record
/// that does not even decode is counted and shown, never fatal.
pub fn run(path: &Path) -> Result<String, String> {
    let raw = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let values: Vec<serde_json::Value> = serde_json::from_str(&raw)
        .map_err(|e| format!("{} is not a JSON array: {e}", path.display()))?;

    let mut records = Vec::with_capacity(values.len());
    let mut undecodable = Vec::new();
    for (i, value) in values.into_iter().enumerate() {
        match serde_json::from_value::<SignUp>(value) {
            Ok(record) => records.push((i, record)),
            Err(e) => undecodable.push((i, e.to_string())),
        }
    }
    let (indices, records): (Vec<usize>, Vec<SignUp>) = records.into_iter().unzip();

    let start = Instant::now();
    let report = validate_batch(&records);
    let elapsed = start.elapsed();

    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, errors) in &report.failures {
        for e in errors {
            *by_code.entry(e.error.code()).or_default() += 1;
        }
    }
    let mut by_code: Vec<_> = by_code.into_iter().collect();
    by_code.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    let mut out = String::new();
    let total = indices.len() + undecodable.len();
    let _ = writeln!(out, "{}: {total} records", path.display());
    let _ = writeln!(out, "  valid        {}", report.passed());
    let _ = writeln!(out, "  invalid      {}", report.failures.len());
    let _ = writeln!(out, "  undecodable  {}", undecodable.len());
    let _ = writeln!(
        out,
        "  validated in {:.2} ms on {} compute threads",
        elapsed.as_secs_f64() * 1e3,
        armature::compute_pool().current_num_threads()
    );
    let _ = writeln!(out, "\nfailures by code:");
    for (code, n) in &by_code {
        let _ = writeln!(out, "  {n:>5}  {code}");
    }
    let _ = writeln!(out, "\nfirst failures:");
    for (i, errors) in report.failures.iter().take(SHOWN) {
        let _ = writeln!(out, "  record {}:", indices[*i]);
        for e in errors {
            let _ = writeln!(out, "    {e}");
        }
    }
    for (i, e) in undecodable.iter().take(SHOWN) {
        let _ = writeln!(out, "  record {i} does not decode: {e}");
    }
    Ok(out)
}
