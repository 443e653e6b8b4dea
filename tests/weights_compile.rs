//! Compile errors of `#[weights = "..."]`: each `tests/ui/weights-*.rs` must fail to compile
//! with the `.stderr` beside it. Regenerate with `TRYBUILD=overwrite` and read the diff.

#[test]
fn weights_errors() {
    trybuild::TestCases::new().compile_fail("tests/ui/weights-*.rs");
}
