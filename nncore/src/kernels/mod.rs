//! The matrix products of dense layers, for one sample or a batch, on the best vector unit the
//! CPU has: AVX-512 or AVX2 with FMA on x86-64 (detected once at run time with `std`, from the
//! compile-time target features without it), NEON on aarch64 (part of its base instruction
//! set), eight portable lanes otherwise. `dense` is what layers call; `dot`, `dot512` and `panels` (batches on
//! AVX-512, the outputs in the lanes) hold the forward, `grads` the gradients, `narrow` (with `axpy` and `tiles`) the narrow layers'
//! products, `strided` the convolutions' products ([`accumulate`]).
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
//!   what `c` holds.
//!
//! Each step `s + a · b` is one fused multiply-add on the AVX2, AVX-512 and NEON paths (which
//! give the same bits), and a multiplication then an addition on the portable one. With the
//! `libm` feature the vector paths do not fuse them either, so every target gives the same bits.

mod axpy;
pub(crate) mod dense;
mod dot;
// Built only by compilers with the AVX-512 intrinsics (`build.rs`), whatever `rust-version` says.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod dot512;
mod grads;
mod isa;
mod lanes;
mod lanes8;
pub(crate) use lanes8::Rows;
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
mod strided;
pub(crate) use strided::Strided;
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
pub(crate) use taps::Taps;
#[cfg(test)]
mod tests;
mod tiles;
mod transpose;
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
mod vfp;

/// Runs `f(start, chunk)` on `out` split into chunks of whole `unit`s, `start` the chunk's
/// offset: with the `rayon` feature, a large pass takes rayon's threads. Each value is its own
/// (or each unit's), so the bits do not depend on the split. `f` is compiled for the vector
/// unit [`isa`] chooses ([`in_lanes`]).
#[inline]
pub(crate) fn elementwise(out: &mut [f32], unit: usize, f: impl Fn(usize, &mut [f32]) + Sync) {
    #[cfg(feature = "rayon")]
    if let Some(per) = parallel::values(out.len(), unit) {
        use rayon::prelude::*;
        out.par_chunks_mut(per)
            .enumerate()
            .for_each(|(i, chunk)| in_lanes(|| f(i * per, chunk)));
        return;
    }
    let _ = unit;
    in_lanes(|| f(0, out));
}

/// Runs `f`, inlined into a function compiled with the features of the instruction set
/// [`isa`] chooses, so that its loops vectorize in that set's registers. The operations are the
/// ones `f` states (Rust never fuses a multiplication and an addition), so are the bits.
#[inline(always)]
fn in_lanes<R>(f: impl FnOnce() -> R) -> R {
    match isa() {
        // SAFETY: AVX-512 (with AVX2 and FMA) is chosen only where the CPU has it.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { x86_lanes::avx512(f) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { x86_lanes::avx2(f) },
        _ => f(),
    }
}

/// The entry points of [`in_lanes`].
#[cfg(target_arch = "x86_64")]
mod x86_lanes {
    /// `f` with AVX-512 enabled.
    #[cfg(nncore_avx512)]
    #[target_feature(enable = "avx512f,avx2,fma")]
    #[allow(clippy::incompatible_msrv)]
    pub(super) unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    /// `f` with AVX2 enabled.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
}

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
    if p.m == 0 || p.n == 0 || p.k == 0 || p.repeat == 0 {
        return;
    }
    assert!(p.fits(c.len()), "kernels::accumulate: mismatched sizes");
    match isa {
        // SAFETY: every index is inside the operands (`fits`); the portable lanes run anywhere.
        Isa::Portable => unsafe { strided::accumulate::<Portable, 2, 2>(p, c) },
        // SAFETY: as above, and a vector path is chosen only where the CPU has it.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::accumulate(p, c) },
        // SAFETY: as above.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { avx512::accumulate(p, c) },
        // SAFETY: as above; NEON is part of the build's target.
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => unsafe { strided::accumulate::<Neon<FUSED>, 4, 2>(p, c) },
    }
}

/// `sums[t][l] += Σ a[r][i] · b_t[r][i]` over the rows `r` in order and the columns `i ≡ l
/// (mod 8)` in order, for each tap `t` of `p` ([`Rows`]): each product rounded, then added, on
/// every instruction set.
pub(crate) fn lanes8(isa: Isa, p: &Rows<'_>, sums: &mut [[f32; 8]]) {
    assert!(
        p.fits() && sums.len() == p.offsets.len(),
        "kernels::lanes8: mismatched sizes"
    );
    lanes8::dispatch(isa, p, sums);
}

/// The depthwise products of whole planes ([`Taps`] states them): each output one chain of
/// multiply-adds over the taps in order, from its channel's start, the taps that fall off the
/// plane adding `weight · 0`. `false`, with `out` untouched, unless `isa` is AVX-512 and the
/// operands fit (then the caller runs its own path, which gives the same bits).
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) fn taps(isa: Isa, p: &Taps<'_>, out: &mut [f32]) -> bool {
    match isa {
        // SAFETY: `fits` checked the operands, and AVX-512 is chosen only where the CPU has it.
        Isa::Avx512 if p.fits(out.len()) => unsafe { taps::run(p, out) },
        _ => return false,
    }
    true
}

/// Convolutions of stride 1 over whole planes ([`Planes`] states them): each output one chain
/// of multiply-adds, from the value it holds, over the source planes in order and each one's
/// taps in order, the taps that fall off the plane adding `a · 0`. `false`, with `out`
/// untouched, unless `isa` is AVX-512 and the operands fit (then the caller runs its own path,
/// which gives the same bits).
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) fn planes(isa: Isa, p: &Planes<'_>, out: &mut [f32]) -> bool {
    match isa {
        // SAFETY: `fits` checked the operands, and AVX-512 is chosen only where the CPU has it.
        Isa::Avx512 if p.fits(out.len()) => unsafe { planes::run(p, out) },
        _ => return false,
    }
    true
}

/// The weight gradient of depthwise planes ([`TapSums`] states them), one sample's: `dw[c][t]
/// += tree(lanes)`, lane `l` adding `dy · x` for the output columns `≡ l (mod 8)`, row after
/// row, each product rounded, then added, the taps that fall off the plane reading 0. `false`,
/// with `dw` untouched, unless `isa` is AVX-512 and the operands fit (then the caller runs
/// `small.rs`'s panels, which give the same bits).
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) fn tap_sums(isa: Isa, p: &TapSums<'_>, dw: &mut [f32]) -> bool {
    match isa {
        // SAFETY: `fits` checked the operands, and AVX-512 is chosen only where the CPU has it.
        Isa::Avx512 if p.fits(dw.len()) => unsafe { tap_sums::run(p, dw) },
        _ => return false,
    }
    true
}

/// BatchNorm's sums of one sample's planes (`acc.len()` planes of `p` floats in `values`):
/// `acc[c] += v` in `f64` for the values `v` of plane `c` in order, or `(v − mean[c])²`
/// (rounded in `f32`) with a mean. Returns how many channels from the first it summed: a
/// multiple of eight on AVX-512, none elsewhere (the caller sums the rest in the same order).
pub(crate) fn plane_sums(
    isa: Isa,
    values: &[f32],
    p: usize,
    mean: Option<&[f32]>,
    acc: &mut [f64],
) -> usize {
    let fits = values.len() == acc.len() * p && p > 0 && p < 1 << 28;
    if !fits || mean.is_some_and(|m| m.len() != acc.len()) {
        return 0;
    }
    match (isa, mean) {
        // SAFETY: the sizes were checked above, and AVX-512 is chosen only where the CPU has
        // it.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        (Isa::Avx512, None) => unsafe { stats::sums::<false>(values, p, &[], acc) },
        // SAFETY: as above.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        (Isa::Avx512, Some(mean)) => unsafe { stats::sums::<true>(values, p, mean, acc) },
        _ => 0,
    }
}

/// BatchNorm's gradient sums of one sample's planes: `s[c] = Σ dy` and `d[c] = Σ (x −
/// mean[c])·dy` over plane `c` in order, from zero, in `f32`. Returns how many channels from
/// the first it summed, as [`plane_sums`].
pub(crate) fn plane_grads(
    isa: Isa,
    (x, dy): (&[f32], &[f32]),
    p: usize,
    mean: &[f32],
    (s, d): (&mut [f32], &mut [f32]),
) -> usize {
    let c = s.len();
    let fits = x.len() == c * p && dy.len() == x.len() && mean.len() == c && d.len() == c;
    if !fits || p == 0 || p >= 1 << 28 {
        return 0;
    }
    match isa {
        // SAFETY: as in `plane_sums`.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { stats::grads((x, dy), p, mean, (s, d)) },
        _ => 0,
    }
}

/// The AVX2 entry points: the generic drivers compiled with AVX2 and FMA enabled.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{FUSED, Product, Strided, dot, grads, lanes::Avx2, strided};

    /// See [`super::accumulate`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn accumulate(p: &Strided<'_>, c: &mut [f32]) {
        // SAFETY: the caller checked the sizes and the CPU.
        unsafe { strided::accumulate::<Avx2<FUSED>, 4, 2>(p, c) }
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
    use super::{FUSED, Product, Strided, grads, lanes::Avx512, strided};

    /// See [`super::accumulate`].
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn accumulate(p: &Strided<'_>, c: &mut [f32]) {
        // SAFETY: the caller checked the sizes and the CPU.
        unsafe { strided::accumulate::<Avx512<FUSED>, 8, 3>(p, c) }
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
