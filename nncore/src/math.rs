//! The few transcendental functions the layers need, from `std` or from `libm`.
//!
//! `erf` has no `std` form, so it always comes from `libm`.

pub(crate) use libm::erff as erf;

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
pub(crate) fn exp_m1(x: f32) -> f32 {
    x.exp_m1()
}

#[cfg(feature = "std")]
#[inline]
pub(crate) fn ln_1p(x: f32) -> f32 {
    x.ln_1p()
}

#[cfg(feature = "std")]
#[inline]
pub(crate) fn sqrt(x: f32) -> f32 {
    x.sqrt()
}

#[cfg(feature = "std")]
#[inline]
pub(crate) fn sqrt_f64(x: f64) -> f64 {
    x.sqrt()
}

#[cfg(feature = "std")]
#[inline]
pub(crate) fn cos_f64(x: f64) -> f64 {
    x.cos()
}

#[cfg(feature = "std")]
#[inline]
pub(crate) fn powi_f64(x: f64, n: i32) -> f64 {
    x.powi(n)
}

#[cfg(not(feature = "std"))]
#[inline]
pub(crate) fn powi_f64(x: f64, n: i32) -> f64 {
    libm::pow(x, f64::from(n))
}

#[cfg(not(feature = "std"))]
pub(crate) use libm::{cos as cos_f64, sqrt as sqrt_f64};

#[cfg(not(feature = "std"))]
pub(crate) use libm::{
    expf as exp, expm1f as exp_m1, log1pf as ln_1p, sqrtf as sqrt, tanhf as tanh,
};
