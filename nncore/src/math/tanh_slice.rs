//! [`tanh`] over a slice, on the widest vector unit the CPU has, chosen as the dense kernels
//! choose (`crate::kernels::isa`): in AVX-512 or AVX2 registers, eight or four f64 lanes
//! (`tanh_x86.rs`; with `fast-tanh`, the scalar loop compiled for them, in f32 lanes), or the
//! scalar loop as the build's target vectorizes it. Each lane does the scalar function's IEEE
//! operations in its order (Rust never fuses a multiplication and an addition), so every path
//! gives its bits.

use super::tanh;
use crate::kernels::{Isa, isa};

/// `ys[i] = tanh(xs[i])`: bit for bit the scalar [`tanh`], many values at a time.
///
/// # Panics
/// If the slices differ in length.
#[inline]
pub fn tanh_slice(xs: &[f32], ys: &mut [f32]) {
    assert_eq!(
        xs.len(),
        ys.len(),
        "tanh_slice: slices of different lengths"
    );
    tanh_slice_on(isa(), xs, ys);
}

/// [`tanh_slice`] on the path of `isa`, which this CPU must support.
#[inline]
pub(crate) fn tanh_slice_on(isa: Isa, xs: &[f32], ys: &mut [f32]) {
    match isa {
        Isa::Portable => map(xs, ys),
        // SAFETY: a vector path is chosen only where the CPU has it.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { vector::avx2(xs, ys) },
        // SAFETY: as above.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { vector::avx512(xs, ys) },
    }
}

/// The scalar loop, vectorized for the build's target.
#[inline(always)]
fn map(xs: &[f32], ys: &mut [f32]) {
    for (y, &x) in ys.iter_mut().zip(xs) {
        *y = tanh(x);
    }
}

/// The f64 evaluation in vector registers.
#[cfg(all(target_arch = "x86_64", not(feature = "fast-tanh")))]
use super::tanh_x86 as vector;

/// With `fast-tanh`, the f32 evaluation: the scalar loop compiled for AVX2 or AVX-512.
#[cfg(all(target_arch = "x86_64", feature = "fast-tanh"))]
mod vector {
    /// [`super::map`] with AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn avx2(xs: &[f32], ys: &mut [f32]) {
        super::map(xs, ys);
    }

    /// [`super::map`] with AVX-512.
    #[cfg(nncore_avx512)]
    #[target_feature(enable = "avx512f,avx2")]
    #[allow(clippy::incompatible_msrv)]
    pub(super) unsafe fn avx512(xs: &[f32], ys: &mut [f32]) {
        super::map(xs, ys);
    }
}
