//! The matrix products of dense layers, for one sample or a batch, on whatever vector unit the
//! CPU has: AVX2 with FMA on x86-64 when present (detected once at run time with `std`, from
//! the compile-time target features without it), eight portable lanes otherwise.
//!
//! # Summation order
//!
//! Each output is a sum whose order depends only on the layer, never on the batch around the
//! sample, so a sample gives the same bits alone or anywhere in any batch:
//!
//! - forward, `y[o] = bias[o] + Σᵢ w[o][i] x[i]`: eight partial sums, lane `j` taking the
//!   products of the inputs `i ≡ j (mod 8)` in order, added as
//!   `((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))`, then the bias;
//! - input gradient, `dx[i] = Σ_o dy[o] w[o][i]`: the outputs `o` in order, from zero;
//! - weight gradient, `dw[o][i] += dy[o] x[i]`: one sample after another, in batch order, onto
//!   the gradient already there.
//!
//! Each step `s + a · b` is one fused multiply-add on the AVX2 path, and a multiplication then
//! an addition on the portable one. With the `libm` feature the AVX2 path does not fuse them
//! either, so every target gives the same bits.

pub(crate) mod dense;
mod gemm;
mod lanes;
#[cfg(test)]
mod tests;
mod tiles;

use gemm::Product;
use lanes::Portable;

/// The instruction sets the kernels are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    /// Eight lanes as plain arrays, unfused: any target.
    Portable,
    /// AVX2 registers, fused multiply-adds unless the `libm` feature is on.
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

/// Whether the AVX2 path fuses its multiply-adds.
#[cfg(target_arch = "x86_64")]
const FUSED: bool = !cfg!(feature = "libm");

/// The instruction set this CPU runs the kernels with, detected on the first call.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
pub(crate) fn isa() -> Isa {
    use core::sync::atomic::{AtomicU8, Ordering};
    /// 0 before detection, then 1 + the index of the choice.
    static CHOSEN: AtomicU8 = AtomicU8::new(0);
    match CHOSEN.load(Ordering::Relaxed) {
        1 => Isa::Portable,
        2 => Isa::Avx2,
        _ => {
            let avx2 =
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
            CHOSEN.store(if avx2 { 2 } else { 1 }, Ordering::Relaxed);
            if avx2 { Isa::Avx2 } else { Isa::Portable }
        }
    }
}

/// The instruction set this build runs the kernels with: without `std` (no run-time
/// detection), AVX2 only where the target enables it (`-C target-feature=+avx2,+fma`).
#[cfg(not(all(target_arch = "x86_64", feature = "std")))]
pub(crate) fn isa() -> Isa {
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    return Isa::Avx2;
    #[allow(unreachable_code)]
    Isa::Portable
}

/// Samples in a slice of rows of `width` floats (0 for rows of none).
fn rows(len: usize, width: usize) -> usize {
    len.checked_div(width).unwrap_or(0)
}

/// `y[b][o] = bias[o] + Σᵢ w[o][i] x[b][i]`: the forward of a dense layer with `k` inputs and
/// `out` outputs, for every sample `b` of `x` (`batch × k`) into `y` (`batch × out`).
pub(crate) fn forward(
    isa: Isa,
    w: &[f32],
    bias: Option<&[f32]>,
    x: &[f32],
    y: &mut [f32],
    k: usize,
    out: usize,
) {
    let batch = rows(y.len(), out).max(rows(x.len(), k));
    assert!(
        w.len() == out * k
            && x.len() == batch * k
            && y.len() == batch * out
            && bias.is_none_or(|b| b.len() == out),
        "kernels::forward: mismatched sizes"
    );
    let p = Product {
        w,
        x,
        k,
        out,
        batch,
    };
    match isa {
        // SAFETY: the sizes were checked above; the portable lanes run anywhere.
        Isa::Portable => unsafe { gemm::forward::<Portable, 2, 2>(&p, bias, y) },
        // SAFETY: as above, and `Isa::Avx2` is chosen only where the CPU has AVX2 and FMA.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::forward(&p, bias, y) },
    }
}

/// `dx[b][i] = Σ_o dy[b][o] w[o][i]`: the input gradient of a dense layer with `k` inputs, for
/// every sample of `dy` (`batch × out`) into `dx` (`batch × k`).
pub(crate) fn input_grad(isa: Isa, w: &[f32], dy: &[f32], dx: &mut [f32], k: usize, out: usize) {
    let batch = rows(dx.len(), k).max(rows(dy.len(), out));
    assert!(
        w.len() == out * k && dy.len() == batch * out && dx.len() == batch * k,
        "kernels::input_grad: mismatched sizes"
    );
    if out == 0 {
        dx.fill(0.0);
        return;
    }
    let p = Product {
        w,
        x: dy,
        k,
        out,
        batch,
    };
    match isa {
        // SAFETY: as in `forward`.
        Isa::Portable => unsafe { gemm::input_grad::<Portable, 2, 2>(&p, dx) },
        // SAFETY: as in `forward`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::input_grad(&p, dx) },
    }
}

/// `dw[o][i] += Σ_b dy[b][o] x[b][i]`, the samples in order: the weight gradient of a dense
/// layer with `k` inputs, from `x` (`batch × k`) and `dy` (`batch × out`) into `dw` (`out × k`).
pub(crate) fn weight_grad(isa: Isa, dw: &mut [f32], dy: &[f32], x: &[f32], k: usize, out: usize) {
    let batch = rows(x.len(), k).max(rows(dy.len(), out));
    assert!(
        dw.len() == out * k && x.len() == batch * k && dy.len() == batch * out,
        "kernels::weight_grad: mismatched sizes"
    );
    let p = Product {
        w: &[],
        x,
        k,
        out,
        batch,
    };
    match isa {
        // SAFETY: as in `forward`.
        Isa::Portable => unsafe { gemm::weight_grad::<Portable, 2, 2>(&p, dy, dw) },
        // SAFETY: as in `forward`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::weight_grad(&p, dy, dw) },
    }
}

/// The AVX2 entry points: the generic drivers compiled with AVX2 and FMA enabled.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::gemm::{self, Product};
    use super::{FUSED, lanes::Avx2};

    /// See [`super::forward`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn forward(p: &Product<'_>, bias: Option<&[f32]>, y: &mut [f32]) {
        // SAFETY: the caller checked the sizes and the CPU.
        unsafe { gemm::forward::<Avx2<FUSED>, 4, 3>(p, bias, y) }
    }

    /// See [`super::input_grad`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn input_grad(p: &Product<'_>, dx: &mut [f32]) {
        // SAFETY: as above.
        unsafe { gemm::input_grad::<Avx2<FUSED>, 4, 2>(p, dx) }
    }

    /// See [`super::weight_grad`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn weight_grad(p: &Product<'_>, dy: &[f32], dw: &mut [f32]) {
        // SAFETY: as above.
        unsafe { gemm::weight_grad::<Avx2<FUSED>, 6, 2>(p, dy, dw) }
    }
}
