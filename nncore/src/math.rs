//! The few transcendental functions the layers need, from `std` or from `libm`.
//!
//! With the `libm` feature, the pure-Rust `libm` crate is used even when `std` is on: `tanh`
//! and `exp` then give the same bits on every target (the platform's libm differs between
//! operating systems), so forward passes and training are reproducible bit for bit.

#[cfg(all(feature = "std", not(feature = "libm")))]
#[inline]
pub(crate) fn tanh(x: f32) -> f32 {
    x.tanh()
}

#[cfg(all(feature = "std", not(feature = "libm")))]
#[inline]
pub(crate) fn exp(x: f32) -> f32 {
    x.exp()
}

#[cfg(all(feature = "std", not(feature = "libm")))]
#[inline]
pub(crate) fn sqrt(x: f32) -> f32 {
    x.sqrt()
}

#[cfg(all(feature = "std", not(feature = "libm")))]
#[inline]
pub(crate) fn trunc(x: f32) -> f32 {
    x.trunc()
}

#[cfg(feature = "libm")]
pub(crate) use libm::{expf as exp, sqrtf as sqrt, tanhf as tanh, truncf as trunc};
