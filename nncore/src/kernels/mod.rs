//! The matrix products of dense layers, for one sample or a batch, on the best vector unit the
//! CPU has: AVX-512 or AVX2 with FMA on x86-64 (detected once at run time with `std`, from the
//! compile-time target features without it), NEON on aarch64 (part of its base instruction
//! set), eight portable lanes otherwise. `dense` is what layers call; `dot`, `dot512` and
//! `panels` (batches on AVX-512, the outputs in the lanes) hold the forward, `grads` the
//! gradients, `narrow` (with `axpy` and `tiles`) the narrow layers' products, `strided` the
//! convolutions' products ([`accumulate`]), `lanes8` the small convolutions' weight gradient;
//! `planar` the entry points of the kernels that read image planes in place (`taps`, `planes`,
//! `tap_sums` on AVX-512) and of BatchNorm's plane sums (`stats`); `decimate` planes read at a
//! stride (strided convolutions' copies); `rows8` planes turned into rows, eight by eight in
//! registers (the pointwise weight gradient's panels, `stats`' loads); `elementwise` the
//! passes that compute each value (or each sample) on its own.
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
//!   the gradient already there;
//! - strided products, `c[r][n] += Σ_j a[r][j] b[j][n]` ([`accumulate`]): `j` in order, onto
//!   what `c` holds, or onto zero or a value a row ([`accumulate_from`]).
//!
//! Each step `s + a · b` is one fused multiply-add on the AVX2, AVX-512 and NEON paths (which
//! give the same bits), and a multiplication then an addition on the portable one. With the
//! `libm` feature the vector paths do not fuse them either, so every target gives the same bits.

mod affine;
pub(crate) use affine::{Affine, map as affine_map};
mod axpy;
pub(crate) mod dense;
// Not on Arm with a single-precision FPU, whose forward is `vfp`'s.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod decimate;
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
mod dot;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use decimate::{Decimate, decimate};
mod elementwise;
pub(crate) use elementwise::{elementwise, in_lanes, per_sample};
// Built only by compilers with the AVX-512 intrinsics (`build.rs`), whatever `rust-version` says.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod dot512;
mod grads;
mod isa;
mod lanes;
mod lanes8;
pub(crate) use lanes8::{Rows, lanes8};
mod narrow;
#[cfg(test)]
mod narrow_tests;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod panels;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod planes;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use planes::Planes;
#[cfg(feature = "rayon")]
pub(crate) mod parallel;
mod planar;
mod rows8;
pub(crate) use planar::{plane_grads, plane_sums};
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use planar::{planes, tap_sums, taps};
pub(crate) use rows8::planes_to_rows;
mod strided;
pub(crate) use strided::{Start, Strided};
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod stats;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod tap_sums;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use tap_sums::TapSums;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod taps;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use taps::{MAX_TAPS, Taps};
#[cfg(all(test, target_arch = "x86_64", nncore_avx512))]
mod taps_tests;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod wgrad;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use wgrad::{Sweep, accumulate as accumulate_taps, transpose};
#[cfg(test)]
mod tests;
mod tiles;
mod transpose;
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
mod vfp;

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
use lanes::Neon;
use lanes::Portable;

#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_feature = "neon")
))]
use isa::FUSED;
pub(crate) use isa::{Isa, isa};
#[cfg(test)]
pub(crate) use isa::{fuses, paths};

/// A weight and a batch of rows: the operands of one product.
struct Product<'a> {
    /// `out × k`, row-major.
    w: &'a [f32],
    /// `batch × k` (forward, weight gradient) or `batch × out` (input gradient).
    x: &'a [f32],
    /// The reduction length of the forward: the layer's inputs.
    k: usize,
    /// The layer's outputs.
    out: usize,
    /// Samples in the batch.
    batch: usize,
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
    #[cfg(feature = "rayon")]
    if let Some(per) = parallel::samples(batch, k * out) {
        use rayon::prelude::*;
        let (xs, ys) = (x.par_chunks(per * k), y.par_chunks_mut(per * out));
        xs.zip(ys)
            .for_each(|(x, y)| forward(isa, w, bias, x, y, k, out));
        return;
    }
    let p = Product {
        w,
        x,
        k,
        out,
        batch,
    };
    match isa {
        // SAFETY: the sizes were checked above; the portable lanes run anywhere.
        // SAFETY: as above; the target has the single-precision FPU.
        #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
        Isa::Portable => unsafe { vfp::forward(&p, bias, y) },
        #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
        Isa::Portable => unsafe { dot::forward::<Portable, 2, 2>(&p, bias, y) },
        // SAFETY: as above, and a vector path is chosen only where the CPU has it.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::forward(&p, bias, y) },
        // SAFETY: as above.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { dot512::forward(&p, bias, y) },
        // SAFETY: as above; the build has NEON.
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => unsafe { dot::forward::<Neon<FUSED>, 3, 3>(&p, bias, y) },
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
    #[cfg(feature = "rayon")]
    if let Some(per) = parallel::samples(batch, k * out) {
        use rayon::prelude::*;
        let (dys, dxs) = (dy.par_chunks(per * out), dx.par_chunks_mut(per * k));
        dys.zip(dxs)
            .for_each(|(dy, dx)| input_grad(isa, w, dy, dx, k, out));
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
        Isa::Portable => unsafe { grads::input_grad::<Portable, 2, 2, 4>(&p, dx) },
        // SAFETY: as in `forward`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::input_grad(&p, dx) },
        // SAFETY: as in `forward`.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { avx512::input_grad(&p, dx) },
        // SAFETY: as in `forward`.
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => unsafe { grads::input_grad::<Neon<FUSED>, 6, 2, 6>(&p, dx) },
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
    if k == 0 {
        return;
    }
    let p = Product {
        w: &[],
        x,
        k,
        out,
        batch,
    };
    #[cfg(feature = "rayon")]
    if let Some(per) = parallel::rows(out, batch * k) {
        use rayon::prelude::*;
        let chunks = dw.par_chunks_mut(per * k).enumerate();
        chunks.for_each(|(c, dw)| weight_grad_rows(isa, &p, &dy[c * per..], dw));
        return;
    }
    weight_grad_rows(isa, &p, dy, dw);
}

/// [`weight_grad`] for the rows `dw` holds, `dy` starting at the first one's column.
fn weight_grad_rows(isa: Isa, p: &Product<'_>, dy: &[f32], dw: &mut [f32]) {
    let rows = dw.len() / p.k;
    match isa {
        // SAFETY: as in `forward`, and `dw` holds `rows` rows.
        Isa::Portable => unsafe { grads::weight_grad::<Portable, 2, 2>(p, dy, dw, rows) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::weight_grad(p, dy, dw, rows) },
        // SAFETY: as above.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { avx512::weight_grad(p, dy, dw, rows) },
        // SAFETY: as above.
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => unsafe { grads::weight_grad::<Neon<FUSED>, 6, 2>(p, dy, dw, rows) },
    }
}

/// Floats in one of `isa`'s vectors, for the callers that shape their products to fill them.
pub(crate) fn width(isa: Isa) -> usize {
    match isa {
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => 16,
        _ => lanes::LANES,
    }
}

/// `c[r][col] += Σ_j a(r, j) · b[j][col]` for `r < m`, `col < n`, in each of `repeat`
/// products: each element one chain of multiply-adds over `j` in order, from the value `c`
/// holds. Vectors run along the columns.
pub(crate) fn accumulate(isa: Isa, p: &Strided<'_>, c: &mut [f32]) {
    accumulate_from(isa, p, Start::Held, c);
}

/// [`accumulate`] with each chain from the value `start` gives: the bits of filling `c` with
/// it first, without that pass over `c`.
pub(crate) fn accumulate_from(isa: Isa, p: &Strided<'_>, start: Start<'_>, c: &mut [f32]) {
    if p.m == 0 || p.n == 0 || p.k == 0 || p.repeat == 0 {
        return;
    }
    assert!(p.fits(c.len()), "kernels::accumulate: mismatched sizes");
    if let Start::Rows(rows) = start {
        assert!(
            rows.len() >= p.m,
            "kernels::accumulate: a start for each row"
        );
    }
    match isa {
        // SAFETY: every index is inside the operands (`fits`, and a start for each row); the
        // portable lanes run anywhere.
        Isa::Portable => unsafe { strided::accumulate::<Portable, 2, 2>(p, start, c) },
        // SAFETY: as above, and a vector path is chosen only where the CPU has it.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::accumulate(p, start, c) },
        // SAFETY: as above.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { avx512::accumulate(p, start, c) },
        // SAFETY: as above; NEON is part of the build's target.
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => unsafe { strided::accumulate::<Neon<FUSED>, 4, 2>(p, start, c) },
    }
}

/// The AVX2 entry points: the generic drivers compiled with AVX2 and FMA enabled.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{FUSED, Product, Start, Strided, dot, grads, lanes::Avx2, strided};

    /// See [`super::accumulate`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn accumulate(p: &Strided<'_>, start: Start<'_>, c: &mut [f32]) {
        // SAFETY: the caller checked the sizes and the CPU.
        unsafe { strided::accumulate::<Avx2<FUSED>, 4, 2>(p, start, c) }
    }

    /// See [`super::forward`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn forward(p: &Product<'_>, bias: Option<&[f32]>, y: &mut [f32]) {
        // SAFETY: the caller checked the sizes and the CPU.
        unsafe { dot::forward::<Avx2<FUSED>, 4, 3>(p, bias, y) }
    }

    /// See [`super::input_grad`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn input_grad(p: &Product<'_>, dx: &mut [f32]) {
        // SAFETY: as above.
        unsafe { grads::input_grad::<Avx2<FUSED>, 6, 2, 12>(p, dx) }
    }

    /// See [`super::weight_grad`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn weight_grad(p: &Product<'_>, dy: &[f32], dw: &mut [f32], rows: usize) {
        // SAFETY: as above.
        unsafe { grads::weight_grad::<Avx2<FUSED>, 6, 2>(p, dy, dw, rows) }
    }
}

/// The AVX-512 entry points of the gradients.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod avx512 {
    use super::{FUSED, Product, Start, Strided, grads, lanes::Avx512, strided};

    /// See [`super::accumulate`].
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn accumulate(p: &Strided<'_>, start: Start<'_>, c: &mut [f32]) {
        // SAFETY: the caller checked the sizes and the CPU.
        unsafe { strided::accumulate::<Avx512<FUSED>, 8, 3>(p, start, c) }
    }

    /// See [`super::input_grad`].
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn input_grad(p: &Product<'_>, dx: &mut [f32]) {
        // SAFETY: the caller checked the sizes and the CPU.
        unsafe { grads::input_grad::<Avx512<FUSED>, 6, 4, 8>(p, dx) }
    }

    /// See [`super::weight_grad`].
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn weight_grad(p: &Product<'_>, dy: &[f32], dw: &mut [f32], rows: usize) {
        // SAFETY: as above.
        unsafe { grads::weight_grad::<Avx512<FUSED>, 8, 2>(p, dy, dw, rows) }
    }
}
