//! A fully connected layer's sums and output stage together on AVX-512 VNNI: each group of
//! sixteen sums staged while still in a register ([`super::sixteen::rows_unsigned_each`] into
//! [`super::stage::finish_lanes`], or the rescale in `f64` lanes for [`Rounding::Float`]), its
//! sixteen int8 outputs stored at once. No sums go through memory, so the stage does not wait
//! on the kernel's stores, and the layer needs no room for them.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::{
    __m512i, _CMP_GT_OQ, _mm256_setzero_si256, _mm512_add_epi32, _mm512_add_pd,
    _mm512_castpd_si512, _mm512_castsi256_si512, _mm512_castsi512_pd, _mm512_castsi512_si256,
    _mm512_cvtepi32_pd, _mm512_cvttpd_epi32, _mm512_extracti64x4_epi64, _mm512_inserti64x4,
    _mm512_mask_cmp_pd_mask, _mm512_mask_cvtepi32_storeu_epi8, _mm512_maskz_loadu_pd,
    _mm512_max_pd, _mm512_min_pd, _mm512_mul_pd, _mm512_set1_epi32, _mm512_set1_epi64,
    _mm512_set1_pd, _mm512_setzero_pd, _mm512_storeu_si512, _mm512_ternarylogic_epi64,
};

use super::Kernel;
use super::sixteen::rows_unsigned_each;
use super::stage::finish_lanes;
use crate::quant::finish::Stage;
use crate::quant::{OutputStage, Rounding};

impl Kernel {
    /// The int8 outputs of a fully connected layer, `out[o] = stage(init[o] + Σ_i weight[o][i]
    /// · (x[i] + offset))` for `start = (init, offset)`, the stage run on each group of sixteen
    /// sums in a register, where this kernel can (AVX-512 VNNI on this CPU, the unsigned inputs'
    /// `offset` of 128); returns whether it did. Bit for bit [`Kernel::rows_into`] then the
    /// stage. `real` holds the outputs' factors in `f64` ([`float_factors`]), zero where the
    /// stage's own arithmetic runs.
    ///
    /// # Panics
    /// If `init`, `real`, `out` or the stage's channels are not a row of `weight` each.
    ///
    /// [`float_factors`]: crate::quant::rescale::float_factors
    #[inline]
    pub(crate) fn rows_staged_into<const IN: usize, const OUT: usize>(
        self,
        weight: &[[i8; IN]; OUT],
        x: &[i8; IN],
        (init, offset): (&[i32; OUT], i32),
        stage: &OutputStage<OUT>,
        real: &[f64; OUT],
        out: &mut [i8; OUT],
    ) -> bool {
        if self != Kernel::Avx512Vnni || offset != 128 || IN == 0 {
            return false;
        }
        if !super::avx512_vnni_available() {
            return false;
        }
        // SAFETY: the CPU runs AVX-512 VNNI (and so F, BW and VL), checked above; every array
        // is a row of `weight` long.
        unsafe { rows_staged(weight, x, init, &stage.view(), real, out) };
        true
    }
}

/// [`Kernel::rows_staged_into`] on this CPU.
///
/// # Safety
/// The CPU must run AVX-512F, BW, VL and VNNI; `init`, `real`, `out` and the stage's channels
/// a row of `weight` each; `IN > 0`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn rows_staged<const IN: usize>(
    weight: &[[i8; IN]],
    x: &[i8; IN],
    init: &[i32],
    stage: &Stage<'_>,
    real: &[f64],
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
        // The rescale in `f64` lanes, eight channels a half; channels without a factor through
        // the scalar stage.
        let each = |o: usize, mask: u16, sums: __m512i| {
            // SAFETY: the lanes of `mask` are rows `o ..` of `real` and of `out`.
            unsafe {
                let (y, fast) =
                    finish_real_lanes(sums, mask, real.as_ptr().add(o), zero_point, clamp);
                _mm512_mask_cvtepi32_storeu_epi8(to.add(o).cast(), fast, y);
                if mask & !fast != 0 {
                    scalar(o, mask & !fast, sums);
                }
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

/// The int8 outputs (in int32 lanes) of the sums `sums` of sixteen channels, `round(sum ·
/// real[j])` in `f64`, half away from zero, plus the zero point and clamped: the
/// [`Rounding::Float`] rescale bit for bit, no margin, no exact path. Returns the lanes of
/// `mask` whose factor is positive (the others are left to the scalar stage).
///
/// Each half: the product rounded once to `f64` as the interpreter's; a half added away from
/// zero, clamped to the output's range less the zero point, and truncated. The sum is exact
/// while `|product| < 2^20`; past that, where it may round, every result clamps alike (the
/// range is within ±255), and truncating the clamped value equals clamping the truncated one
/// (the bounds are integers).
///
/// # Safety
/// The CPU must run AVX-512F and VL; the lanes of `mask` are channels of `real`.
#[inline]
#[target_feature(enable = "avx512f,avx512vl")]
unsafe fn finish_real_lanes(
    sums: __m512i,
    mask: u16,
    real: *const f64,
    zero_point: i32,
    clamp: [i8; 2],
) -> (__m512i, u16) {
    let (half, sign) = (
        _mm512_set1_epi64(0.5f64.to_bits() as i64),
        _mm512_set1_epi64(i64::MIN),
    );
    let lo = _mm512_set1_pd((clamp[0] as i32 - zero_point) as f64);
    let hi = _mm512_set1_pd((clamp[1] as i32 - zero_point) as f64);
    let halves = [
        _mm512_castsi512_si256(sums),
        _mm512_extracti64x4_epi64::<1>(sums),
    ];
    let mut fast = 0u16;
    let mut y = [_mm256_setzero_si256(); 2];
    for (h, x) in halves.into_iter().enumerate() {
        let k = (mask >> (8 * h)) as u8;
        // SAFETY: the lanes of `k` are channels `8h ..` of `real`; masked lanes are not read.
        let r = unsafe { _mm512_maskz_loadu_pd(k, real.add(8 * h)) };
        fast |=
            (_mm512_mask_cmp_pd_mask::<_CMP_GT_OQ>(k, r, _mm512_setzero_pd()) as u16) << (8 * h);
        let p = _mm512_mul_pd(_mm512_cvtepi32_pd(x), r);
        // `±0.5` with the product's sign: its sign bit or'ed into a half's bits.
        let away = _mm512_ternarylogic_epi64::<0xF8>(half, _mm512_castpd_si512(p), sign);
        let q = _mm512_add_pd(p, _mm512_castsi512_pd(away));
        y[h] = _mm512_cvttpd_epi32(_mm512_min_pd(_mm512_max_pd(q, lo), hi));
    }
    let y = _mm512_inserti64x4::<1>(_mm512_castsi256_si512(y[0]), y[1]);
    (_mm512_add_epi32(y, _mm512_set1_epi32(zero_point)), fast)
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
                    let start = layer.start(Kernel::Avx512Vnni);
                    let mut y = [0i8; OUT];
                    let ran = Kernel::Avx512Vnni.rows_staged_into(
                        layer.weight(),
                        &x,
                        start,
                        layer.stage(),
                        &layer.real,
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

    /// The `f64` lanes against `round_product` on sums that land on and beside ties, across
    /// the output's range and past `i32`, with channels left to the scalar stage.
    #[test]
    fn the_f64_lanes_round_as_the_interpreter() {
        if !super::super::avx512_vnni_available() {
            return;
        }
        let factors = [0.5, 0.25, 1.0 / 3.0, 0.75, 1.5e-3, 3.0, 1e10, 1e-12];
        let far = [i32::MIN, i32::MIN + 1, -77_777, 77_777, i32::MAX];
        let sums: [i32; 2005] = core::array::from_fn(|i| {
            if i < 2000 {
                i as i32 - 1000
            } else {
                far[i - 2000]
            }
        });
        for (zero_point, clamp) in [(0, [-128, 127]), (5, [5, 127]), (-128, [-128, 127])] {
            for (c, chunk) in sums.chunks(16).enumerate() {
                let mut real: [f64; 16] = core::array::from_fn(|j| factors[(c + j) % 8]);
                real[c % 16] = 0.0;
                let mut acc = [0i32; 16];
                acc[..chunk.len()].copy_from_slice(chunk);
                let mask = (!0u32 >> (32 - chunk.len())) as u16;
                // SAFETY: the CPU runs AVX-512, checked above; `real` holds sixteen channels.
                let (y, fast) = unsafe {
                    let v = core::arch::x86_64::_mm512_loadu_si512(acc.as_ptr().cast());
                    let (y, fast) =
                        super::finish_real_lanes(v, mask, real.as_ptr(), zero_point, clamp);
                    let mut out = [0i32; 16];
                    core::arch::x86_64::_mm512_storeu_si512(out.as_mut_ptr().cast(), y);
                    (out, fast)
                };
                assert_eq!(
                    fast,
                    mask & !(1 << (c % 16)),
                    "the zero factor's lane is slow"
                );
                for j in (0..chunk.len()).filter(|&j| fast >> j & 1 == 1) {
                    let r = crate::quant::round_product(acc[j], real[j]);
                    let want = r
                        .saturating_add(zero_point)
                        .clamp(clamp[0].into(), clamp[1].into());
                    assert_eq!(y[j], want, "{} · {}", acc[j], real[j]);
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
