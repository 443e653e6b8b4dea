//! Layers that change a sample's shape and move its values without arithmetic: `Flatten`, and
//! `ZeroPad1d` and `ZeroPad2d`, which surround it with zeros.

pub(crate) mod flatten;
pub(crate) mod zero_pad;
