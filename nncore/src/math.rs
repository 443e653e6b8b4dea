//! The few transcendental functions the layers need, from `std` or from `libm`.

#[cfg(feature = "std")]
#[inline]
pub(crate) fn tanh(x: f32) -> f32 {
    x.tanh()
}

#[cfg(feature = "std")]
#[inline]
pub(crate) fn exp(x: f32) -> f32 {
    x.exp()
}

#[cfg(feature = "std")]
#[inline]
pub(crate) fn sqrt(x: f32) -> f32 {
    x.sqrt()
}

#[cfg(feature = "std")]
#[inline]
pub(crate) fn trunc(x: f32) -> f32 {
    x.trunc()
}

#[cfg(all(not(feature = "std"), feature = "libm"))]
pub(crate) use libm::{expf as exp, sqrtf as sqrt, tanhf as tanh, truncf as trunc};
