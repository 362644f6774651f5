//! Compile errors as users see them: each `.rs` in `tests/ui/*/` is compiled
//! and its errors are compared with the `.stderr` snapshot next to it.
//! Regenerate after a deliberate change with `TRYBUILD=overwrite cargo test --test ui`
//! and read the diff as a user would.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/validate/*.rs");
    t.pass("tests/ui/validate/pass/*.rs");
    t.compile_fail("tests/ui/controller/*.rs");
    t.pass("tests/ui/controller/pass/*.rs");
    t.compile_fail("tests/ui/middleware/*.rs");
    t.pass("tests/ui/middleware/pass/*.rs");
    t.compile_fail("tests/ui/aggregate/*.rs");
    t.pass("tests/ui/aggregate/pass/*.rs");
    t.compile_fail("tests/ui/job/*.rs");
    t.pass("tests/ui/job/pass/*.rs");
}
