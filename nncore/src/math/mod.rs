//! The few transcendental functions the layers need.
//!
//! `tanh` is pure arithmetic, the same bits on every target; `tanh_slice` maps it over a slice
//! in the CPU's widest vectors, with the same bits. For the others: with `std` they are
//! the platform's; without `std`, or with the `libm` feature, they come from
//! the pure-Rust `libm` crate, which gives the same bits on every target (the platform's libm
//! differs between operating systems), so forward passes and training are reproducible bit for
//! bit. `erf` has no `std` form, so it always comes from `libm`.

pub(crate) use backend::*;
pub use tanh::tanh;
pub use tanh_slice::tanh_slice;

mod tanh;
mod tanh_slice;
#[cfg(all(target_arch = "x86_64", not(nn_tanh_f32)))]
mod tanh_x86;
pub(crate) use libm::erff as erf;

#[cfg(all(feature = "std", not(feature = "libm")))]
mod backend {
    #[inline]
    pub(crate) fn exp(x: f32) -> f32 {
        x.exp()
    }

    #[inline]
    pub(crate) fn exp_m1(x: f32) -> f32 {
        x.exp_m1()
    }

    #[inline]
    pub(crate) fn ln(x: f32) -> f32 {
        x.ln()
    }

    #[inline]
    pub(crate) fn ln_1p(x: f32) -> f32 {
        x.ln_1p()
    }

    #[inline]
    pub(crate) fn sqrt(x: f32) -> f32 {
        x.sqrt()
    }

    #[inline]
    pub(crate) fn sqrt_f64(x: f64) -> f64 {
        x.sqrt()
    }

    #[inline]
    pub(crate) fn cos_f64(x: f64) -> f64 {
        x.cos()
    }

    #[inline]
    pub(crate) fn powi_f64(x: f64, n: i32) -> f64 {
        x.powi(n)
    }
}

#[cfg(not(all(feature = "std", not(feature = "libm"))))]
mod backend {
    pub(crate) use libm::{cos as cos_f64, sqrt as sqrt_f64};
    pub(crate) use libm::{
        expf as exp, expm1f as exp_m1, log1pf as ln_1p, logf as ln, sqrtf as sqrt,
    };

    #[inline]
    pub(crate) fn powi_f64(x: f64, n: i32) -> f64 {
        libm::pow(x, f64::from(n))
    }
}
