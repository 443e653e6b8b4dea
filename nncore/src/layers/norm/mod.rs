//! The layers whose training mode differs from evaluation mode: `BatchNorm1d` and
//! `BatchNorm2d` (batch statistics, and running ones), and `Dropout` (random zeros, and none).
//! Both override the `_train` forms of `Layer`.

pub(crate) mod batch_norm;
pub(crate) mod dropout;
