//! [`tanh`] over a slice, on the widest vector unit the CPU has, chosen as the dense kernels
//! choose (`crate::kernels::isa`): in AVX-512 or AVX2 registers, eight or four f64 lanes
//! (`tanh_x86.rs`; with `fast-tanh`, the scalar loop compiled for them, in f32 lanes), or the
//! scalar loop as the build's target vectorizes it (NEON on aarch64, SSE2 elsewhere on x86-64).
//! Each lane does the scalar function's IEEE operations in its order (Rust never fuses a
//! multiplication and an addition), so every path gives its bits.

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
        // NEON is part of the build's target, for which `map` is vectorized.
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => map(xs, ys),
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
#[cfg(all(target_arch = "x86_64", not(nn_tanh_f32)))]
use super::tanh_x86 as vector;

/// With `fast-tanh`, the f32 evaluation: the scalar loop compiled for AVX2 or AVX-512.
#[cfg(all(target_arch = "x86_64", nn_tanh_f32))]
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

#[cfg(test)]
mod tests {
    use super::super::tanh::SATURATION;
    use super::{tanh, tanh_slice, tanh_slice_on};
    use crate::kernels::paths;

    /// Values where the evaluation changes course: NaNs (quiet, signaling, with payloads, of
    /// both signs), zeros, infinities, the extremes, subnormals, the clamp at 9 and the
    /// saturation, and each one's neighbours.
    fn edges() -> impl Iterator<Item = f32> {
        let bits = [
            0x7fc0_0000u32,
            0x7fc1_2345,
            0x7f80_0001,
            0x7fa0_0000,
            0xffc0_0000,
            0xff80_0001,
            0x7f80_0000,
            0x0000_0000,
            0x0000_0001,
            0x0000_0002,
            0x0040_0000,
            0x007f_ffff,
            0x0080_0000,
            0x7f7f_ffff,
        ];
        let values = [
            SATURATION, 9.0, 9.005, 7.850_532, 1.0, 0.5, 1e-30, 1e-8, 4.0,
        ];
        let centres = bits.into_iter().chain(values.map(f32::to_bits));
        centres
            .flat_map(|b| [b.wrapping_sub(2), b.wrapping_sub(1), b, b + 1, b + 2])
            .flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)])
    }

    /// `ys` against the scalar `tanh` of `xs`, bit for bit.
    fn assert_scalar_bits(xs: &[f32], ys: &[f32], what: &str) {
        for (&x, &y) in xs.iter().zip(ys) {
            let want = tanh(x);
            assert_eq!(
                y.to_bits(),
                want.to_bits(),
                "{what}: tanh({x:e}) (bits {:#010x}) gave {y:e}, not {want:e}",
                x.to_bits()
            );
        }
    }

    #[test]
    fn every_path_gives_the_scalar_bits() {
        // The edges, a sweep of every sign, exponent and mantissa (every 1,048,573rd bit
        // pattern), and the range where tanh is not saturated, densely.
        let mut xs = [0.0f32; 8192];
        let sweep = (0..u32::MAX).step_by(1_048_573).map(f32::from_bits);
        let dense = (0..1_000).map(|i| (i as f32 - 500.0) * 0.019);
        let values = edges().chain(sweep).chain(dense);
        let mut len = 0;
        for (x, v) in xs.iter_mut().zip(values) {
            *x = v;
            len += 1;
        }
        assert!(len < xs.len(), "room for every value");
        let xs = &xs[..len];
        for isa in paths() {
            let mut ys = [0.0f32; 8192];
            tanh_slice_on(isa, xs, &mut ys[..len]);
            assert_scalar_bits(xs, &ys, "whole slice");
            // Every length up to past a group of registers, at every offset in a vector: each
            // way through the groups, the single registers and the partial one.
            for start in 0..4 {
                for n in 0..=80 {
                    let x = &xs[start * 131..][..n];
                    let mut y = [f32::NAN; 80];
                    tanh_slice_on(isa, x, &mut y[..n]);
                    assert_scalar_bits(x, &y[..n], "part");
                    assert!(y[n..].iter().all(|y| y.is_nan()), "wrote past the end");
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "different lengths")]
    fn slices_of_different_lengths_panic() {
        tanh_slice(&[0.0; 3], &mut [0.0; 2]);
    }

    /// Every f32 on every path; a few seconds a path in a release build.
    #[test]
    #[ignore = "runs tanh on four billion values"]
    fn every_f32_gives_the_scalar_bits() {
        for isa in paths() {
            let mut xs = [0.0f32; 1 << 16];
            let mut ys = [0.0f32; 1 << 16];
            for high in 0..=u16::MAX {
                for (low, x) in xs.iter_mut().enumerate() {
                    *x = f32::from_bits((u32::from(high) << 16) | low as u32);
                }
                tanh_slice_on(isa, &xs, &mut ys);
                assert_scalar_bits(&xs, &ys, "every f32");
            }
        }
    }
}
