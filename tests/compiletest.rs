//! The compile errors of `sequential!`: every case in `tests/ui/` must fail to compile with
//! exactly the `.stderr` beside it, and every case in `tests/ui/pass/` must build and run.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test compiletest` and
//! read the diff before committing it; the text is rustc's, so it follows the installed toolchain.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
