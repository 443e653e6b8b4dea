//! The entry points of the kernels that read image planes as they lie: the convolutions of
//! stride 1 on AVX-512 (`taps.rs`, `planes.rs`, `tap_sums.rs`), and BatchNorm's sums of each
//! plane (`stats.rs`). Each returns what it did, so that its caller runs its own path, which
//! gives the same bits, wherever the kernel does not run.

use super::Isa;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
use super::{
    Planes, TapSums, Taps, planes as planes_kernel, stats, tap_sums as tap_sums_kernel,
    taps as taps_kernel,
};

/// The depthwise products of whole planes ([`Taps`] states them): each output one chain of
/// multiply-adds over the taps in order, from its channel's start, the taps that fall off the
/// plane adding `weight · 0`. `false`, with `out` untouched, unless `isa` is AVX-512 and the
/// operands fit (then the caller runs its own path, which gives the same bits).
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) fn taps(isa: Isa, p: &Taps<'_>, out: &mut [f32]) -> bool {
    match isa {
        // SAFETY: `fits` checked the operands, and AVX-512 is chosen only where the CPU has it.
        Isa::Avx512 if p.fits(out.len()) => unsafe { taps_kernel::run(p, out) },
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
        Isa::Avx512 if p.fits(out.len()) => unsafe { planes_kernel::run(p, out) },
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
        Isa::Avx512 if p.fits(dw.len()) => unsafe { tap_sums_kernel::run(p, dw) },
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
/// mean[c])·dy` over plane `c` in order, from zero, in `f32`, with a ReLU's `mask` `(α, β)`
/// each `dy` taken as 0 where `x·α[c] + β[c]` is not above 0. Returns how many channels from
/// the first it summed, as [`plane_sums`].
pub(crate) fn plane_grads(
    isa: Isa,
    (x, dy): (&[f32], &[f32]),
    p: usize,
    mean: &[f32],
    mask: Option<(&[f32], &[f32])>,
    (s, d): (&mut [f32], &mut [f32]),
) -> usize {
    let c = s.len();
    let fits = x.len() == c * p && dy.len() == x.len() && mean.len() == c && d.len() == c;
    let mask_fits = mask.is_none_or(|(a, b)| a.len() == c && b.len() == c);
    if !fits || !mask_fits || p == 0 || p >= 1 << 28 {
        return 0;
    }
    match (isa, mask) {
        // SAFETY: as in `plane_sums`.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        (Isa::Avx512, None) => unsafe {
            stats::grads::<false>((x, dy), p, mean, (&[], &[]), (s, d))
        },
        // SAFETY: as in `plane_sums`, and the mask's length was checked above.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        (Isa::Avx512, Some(ab)) => unsafe { stats::grads::<true>((x, dy), p, mean, ab, (s, d)) },
        _ => 0,
    }
}
