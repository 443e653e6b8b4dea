//! Models that are graphs and models nested in models: every gradient path against finite
//! differences of the library's own forward pass and against each other, batch invariance, the
//! nested names, printing, saving and counts.
//!
//! The reference is a central difference `(f(v + h) - f(v - h)) / (2h)` of the forward pass,
//! the objective summed in f64 from the f32 outputs, as in `tests/gradcheck.rs`.
//!
//! `cargo test --test graphs -- --nocapture` prints each check's worst deviations.

#[path = "graphs/batch.rs"]
mod batch;
#[path = "graphs/check.rs"]
mod check;
mod common;
#[path = "graphs/fd.rs"]
mod fd;
#[path = "graphs/models.rs"]
mod models;
#[path = "graphs/names.rs"]
mod names;
#[path = "graphs/paths.rs"]
mod paths;
#[path = "graphs/train.rs"]
mod train;
