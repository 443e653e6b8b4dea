//! A fully connected layer's sums and output stage together on AVX-512 VNNI: each group of
//! sixteen sums staged while still in a register ([`super::sixteen::rows_unsigned_each`] into
//! [`super::stage::finish_lanes`], or [`super::stage::finish_float_lanes`] on each half), its
//! sixteen int8 outputs stored at once. No sums go through memory, so the stage does not wait
//! on the kernel's stores, and the layer needs no room for them.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::{
    __m512i, _mm512_castsi512_si256, _mm512_cvtepi32_epi64, _mm512_extracti64x4_epi64,
    _mm512_mask_cvtepi32_storeu_epi8, _mm512_mask_cvtepi64_storeu_epi8, _mm512_storeu_si512,
};

use super::Kernel;
use super::sixteen::rows_unsigned_each;
use super::stage::{finish_float_lanes, finish_lanes};
use crate::quant::Rounding;
use crate::quant::finish::Stage;

impl Kernel {
    /// The int8 outputs of a fully connected layer, `out[o] = stage(init[o] + Σ_i weight[o][i]
    /// · (x[i] + offset))`, the stage run on each group of sixteen sums in a register, where
    /// this kernel can (AVX-512 VNNI on this CPU, the unsigned inputs' `offset` of 128);
    /// returns whether it did. Bit for bit [`Kernel::rows_into`] then the stage.
    ///
    /// # Panics
    /// If `init`, `out` or the stage's channels are not a row of `weight` each.
    #[inline]
    pub(crate) fn rows_staged_into<const IN: usize>(
        self,
        weight: &[[i8; IN]],
        x: &[i8; IN],
        offset: i32,
        init: &[i32],
        stage: &Stage<'_>,
        out: &mut [i8],
    ) -> bool {
        if self != Kernel::Avx512Vnni || offset != 128 || IN == 0 {
            return false;
        }
        if !super::avx512_vnni_available() {
            return false;
        }
        let n = weight.len();
        assert!(
            init.len() == n && out.len() == n && stage.multiplier.len() == n,
            "one start, output and multiplier a row"
        );
        assert!(stage.weight_scale.len() == n, "one weight scale a row");
        // SAFETY: the CPU runs AVX-512 VNNI (and so F, BW and VL), checked above; the lengths
        // were checked above.
        unsafe { rows_staged(weight, x, init, stage, out) };
        true
    }
}

/// [`Kernel::rows_staged_into`] on this CPU.
///
/// # Safety
/// The CPU must run AVX-512F, BW, VL and VNNI; `init`, `out` and the stage's channels a row of
/// `weight` each; `IN > 0`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn rows_staged<const IN: usize>(
    weight: &[[i8; IN]],
    x: &[i8; IN],
    init: &[i32],
    stage: &Stage<'_>,
    out: &mut [i8],
) {
    let (zero_point, clamp) = (stage.output.zero_point as i32, stage.clamp);
    let (m, to) = (stage.multiplier.as_ptr(), out.as_mut_ptr());
    // The rows of `mask` from `o` through the scalar stage, their sums read from `sums`.
    let scalar = |o: usize, mut mask: u16, sums: __m512i| {
        let mut acc = [0i32; 16];
        // SAFETY: `acc` holds sixteen int32.
        unsafe { _mm512_storeu_si512(acc.as_mut_ptr().cast(), sums) };
        while mask != 0 {
            let j = mask.trailing_zeros() as usize;
            // SAFETY: lane `j` of the mask is row `o + j`, inside `out`.
            unsafe { *to.add(o + j) = stage.finish(o + j, acc[j]) };
            mask &= mask - 1;
        }
    };
    if stage.rounding == Rounding::Float {
        // Eight channels a half, in 64-bit lanes; the few lanes near a tie (and any multiplier
        // outside the fast path) through the scalar stage.
        let each = |o: usize, mask: u16, sums: __m512i| {
            let halves = [
                _mm512_cvtepi32_epi64(_mm512_castsi512_si256(sums)),
                _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64::<1>(sums)),
            ];
            let mut slow = 0u16;
            for (h, x) in halves.into_iter().enumerate() {
                let k = (mask >> (8 * h)) as u8;
                if k == 0 {
                    break;
                }
                // SAFETY: the lanes of `k` are rows `o + 8h ..` of the stage and of `out`.
                unsafe {
                    let (y, fast) = finish_float_lanes(x, k, m.add(o + 8 * h), zero_point, clamp);
                    _mm512_mask_cvtepi64_storeu_epi8(to.add(o + 8 * h).cast(), fast, y);
                    slow |= ((k & !fast) as u16) << (8 * h);
                }
            }
            if slow != 0 {
                scalar(o, slow, sums);
            }
        };
        // SAFETY: as this function's.
        unsafe { rows_unsigned_each(weight, x, init, each) };
        return;
    }
    let rounding = stage.rounding;
    let each = |o: usize, mask: u16, sums: __m512i| {
        // SAFETY: the lanes of `mask` are rows `o ..` of the stage and of `out`.
        unsafe {
            match finish_lanes(sums, mask, m.add(o), rounding, zero_point, clamp) {
                Some(y) => _mm512_mask_cvtepi32_storeu_epi8(to.add(o).cast(), mask, y),
                None => scalar(o, mask, sums),
            }
        }
    };
    // SAFETY: as this function's.
    unsafe { rows_unsigned_each(weight, x, init, each) };
}

#[cfg(test)]
mod tests {
    use crate::quant::{
        Activation, FullyConnected, Kernel, Multiplier, OutputStage, QuantParams, Rounding,
    };

    /// A layer of random weights and inputs, a scale a channel; `exact`: one scale for all,
    /// `input.scale · weight_scale / output.scale` exactly 1/2, so that every odd sum is a tie
    /// (the `double` rounding's exact path); `odd`: channel 3's multiplier one the vector
    /// stages leave to the scalar one (a mantissa of `i32::MIN`).
    fn layer<const IN: usize, const OUT: usize>(
        seed: u32,
        rounding: Rounding,
        activation: Activation,
        exact: bool,
        odd: bool,
    ) -> (FullyConnected<IN, OUT>, [i8; IN]) {
        let mut seed = seed;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 24) as u8 as i8
        };
        let weight: [[i8; IN]; OUT] = core::array::from_fn(|_| core::array::from_fn(|_| next()));
        let x: [i8; IN] = core::array::from_fn(|_| next());
        let bias: [i32; OUT] = core::array::from_fn(|o| (o as i32 - 150) * 37);
        let (input, output) = (QuantParams::new(0.04, -9), QuantParams::new(0.2, 5));
        let mut stage = if exact {
            let (input, output) = (QuantParams::new(0.5, -9), QuantParams::new(1.0, 5));
            OutputStage::per_tensor(input, 1.0, output, activation, rounding)
        } else {
            let scales: [f32; OUT] = core::array::from_fn(|o| 0.0005 + 0.0001 * (o % 97) as f32);
            OutputStage::per_channel(input, scales, output, activation, rounding)
        };
        if odd && OUT > 3 {
            stage.multiplier[3] = Multiplier {
                mantissa: i32::MIN,
                shift: -9,
            };
        }
        (FullyConnected::new(weight, bias, stage), x)
    }

    /// Every output of the fused sums and stage against the portable sums and the scalar
    /// stage, for each rounding and activation, with and without the scalar stage's lanes.
    fn check<const IN: usize, const OUT: usize>(seed: u32) {
        let fused = super::super::avx512_vnni_available();
        for rounding in [Rounding::Double, Rounding::Single, Rounding::Float] {
            for activation in [Activation::None, Activation::Relu, Activation::Relu6] {
                for (exact, odd) in [(false, false), (true, false), (false, true)] {
                    let (layer, x) = layer::<IN, OUT>(seed, rounding, activation, exact, odd);
                    let acc = layer.accumulate_with(&x, Kernel::Portable);
                    let want: [i8; OUT] = core::array::from_fn(|o| layer.stage().finish(o, acc[o]));
                    let (start, offset) = layer.start(Kernel::Avx512Vnni);
                    let mut y = [0i8; OUT];
                    let view = layer.stage().view();
                    let ran = Kernel::Avx512Vnni.rows_staged_into(
                        layer.weight(),
                        &x,
                        offset,
                        start,
                        &view,
                        &mut y,
                    );
                    assert_eq!(ran, fused, "fused where the CPU runs AVX-512 VNNI");
                    if ran {
                        let case = (IN, OUT, rounding, activation, exact, odd);
                        assert_eq!(y, want, "{case:?}");
                    }
                    assert_eq!(layer.forward_with(&x, Kernel::Avx512Vnni), want);
                }
            }
        }
    }

    /// Widths around the groups of sixteen and past a block of 128 outputs, rows shorter than
    /// a 64-byte block (32 bytes among them), at one and past it.
    #[test]
    fn the_fused_stage_gives_the_scalar_stage_of_the_portable_sums() {
        check::<5, 1>(1);
        check::<64, 15>(2);
        check::<70, 16>(3);
        check::<37, 17>(4);
        check::<128, 33>(5);
        check::<9, 300>(6);
        // Rows of 32 bytes, two to a vector: one row, an odd rest, groups and a bit.
        check::<32, 1>(7);
        check::<32, 10>(8);
        check::<32, 33>(9);
        check::<32, 48>(10);
    }
}
