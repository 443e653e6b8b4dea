//! The output stages in lanes (`prepared.rs` on AVX-512, `stage_avx2.rs` on AVX2) against the
//! scalar one where the results are not clamped away: zero points that leave negative and
//! positive results in range, every shift the lanes take, mantissas of both signs (and 0),
//! accumulators whose high multiplication lands on and next to the ties of the division by
//! `2^e` (half away from zero: the negative ties are where AVX-512's one rounding in 64-bit
//! lanes needs its correction, left out where the activation clamps every negative result to
//! the zero point), the ends of int32, and at random; on AVX-512, one position at a time and
//! four packed together. And `ADD` in lanes against the scalar one on every pair of inputs.

extern crate std;
use super::Kernel;
use crate::quant::{Activation, Multiplier, OutputStage, QuantParams, Rounding};
use std::vec::Vec;

/// Channels: several blocks of sixteen and of eight, the last partial.
const N: usize = 67;

/// Checks `lanes(stage)`'s outputs (`None`: the stage is not in lanes on this CPU) for every
/// case against the scalar stage's.
fn check(lanes: impl Fn(&OutputStage<N>) -> Option<std::boxed::Box<dyn Fn(&[i32; N]) -> [i8; N]>>) {
    let mut s = 7u32;
    let mut random = move || {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        s
    };
    let mantissas = [
        1 << 30,
        i32::MAX,
        1_518_500_250,
        -(1 << 30),
        -i32::MAX,
        0,
        1,
    ];
    // Every shift from 0 to −31, and from −1 (where the lanes' quotients come from the high
    // halves with a ReLU: `Lanes::fast`).
    let shifts = [
        |c: usize| -((c * 5 % 32) as i32),
        |c: usize| -1 - (c * 5 % 31) as i32,
    ];
    let multipliers = shifts.map(|shift| {
        core::array::from_fn::<_, N, _>(|c| Multiplier {
            mantissa: match c % 9 {
                7 | 8 => random() as i32 | 1,
                i => mantissas[i],
            },
            shift: shift(c),
        })
    });
    let cases = multipliers.into_iter().flat_map(|multiplier| {
        [
            (0, Activation::None),
            (-3, Activation::None),
            (100, Activation::Relu6),
            // The lower clamp at the zero point: the rounding's correction for negative
            // products left out, every result at most 0 clamped alike.
            (-40, Activation::Relu),
        ]
        .map(|(zero_point, activation)| (multiplier, zero_point, activation))
    });
    for (multiplier, zero_point, activation) in cases {
        let output = QuantParams::new(0.02, zero_point);
        let input = QuantParams::new(0.1, 3);
        let mut stage: OutputStage<N> =
            OutputStage::per_tensor(input, 0.01, output, activation, Rounding::Double);
        stage.multiplier = multiplier;
        let Some(lanes) = lanes(&stage) else {
            return;
        };
        // Each channel's accumulators: `f = x · m / 2^31` at the ties `(2k + 1) · 2^(e−1)` and
        // one either side, the ends of int32, and random ones.
        let accs: Vec<[i32; N]> = (0..600)
            .map(|t| {
                core::array::from_fn(|c| {
                    let (m, e) = (multiplier[c].mantissa as i64, -multiplier[c].shift);
                    let k = (t / 3) as i64 % 120 - 60;
                    let f = ((2 * k + 1) << e) / 2;
                    let x = match m {
                        _ if t % 50 == 49 => random() as i64,
                        0 => f,
                        _ => (f << 31) / m + (t % 3) as i64 - 1,
                    };
                    x.clamp(i32::MIN.into(), i32::MAX.into()) as i32
                })
            })
            .chain([[i32::MIN; N], [i32::MAX; N], [-1; N]])
            .collect();
        let mut negative = 0;
        for acc in &accs {
            let want: [i8; N] = core::array::from_fn(|c| stage.finish(c, acc[c]));
            negative += want.iter().filter(|&&y| y < zero_point).count();
            assert_eq!(lanes(acc), want, "zero point {zero_point}");
        }
        // The case reaches the negative results (the activation's clamp aside).
        assert!(
            activation != Activation::None || negative > 1000,
            "{negative}"
        );
    }
}

#[cfg(nncore_avx512)]
#[test]
fn the_stage_in_avx512_lanes_is_the_scalar_one_on_and_near_ties() {
    check(|stage| {
        let zero_point = stage.output.zero_point.into();
        let (m, r) = (&stage.multiplier, stage.rounding);
        let mut room = core::mem::MaybeUninit::uninit();
        let lanes = Kernel::Avx512Vnni.stage_lanes(m, r, zero_point, stage.clamp, &mut room);
        let lanes = lanes.copied();
        let here = super::avx512_vnni_available();
        assert_eq!(lanes.is_some(), here, "the stage in lanes on this CPU");
        let lanes = lanes?;
        let stage = *stage;
        Some(std::boxed::Box::new(move |acc: &[i32; N]| {
            let mut out = [0x55; N];
            lanes.finish(acc, &mut out);
            // Four positions, each the sums turned by a few channels, packed together: each
            // position's outputs the scalar stage's.
            let four: Vec<i32> = (0..4 * N).map(|i| acc[(i + 5 * (i / N)) % N]).collect();
            let (mut each, mut blocks) = ([0x55; 4 * N], [0x55; 4 * N]);
            lanes.finish_four(&four, &mut each, &mut blocks);
            for (i, (&y, &z)) in each.iter().zip(&blocks).enumerate() {
                let c = i % N;
                let want = stage.finish(c, four[i]);
                assert_eq!(y, want, "channel {c} of position {}, four at a time", i / N);
                let whole = c < N / 64 * 64;
                assert_eq!(z, if whole { want } else { 0x55 }, "channel {c}, by blocks");
            }
            out
        }))
    });
}

#[test]
fn the_stage_in_avx2_lanes_is_the_scalar_one_on_and_near_ties() {
    check(|stage| {
        let zero_point = stage.output.zero_point.into();
        let (m, r) = (&stage.multiplier, stage.rounding);
        let mut room = core::mem::MaybeUninit::uninit();
        let lanes = Kernel::Avx2.stage_lanes8(m, r, zero_point, stage.clamp, &mut room);
        let lanes = lanes.copied();
        let here = super::avx2_available();
        assert_eq!(lanes.is_some(), here, "the stage in lanes on this CPU");
        let lanes = lanes?;
        Some(std::boxed::Box::new(move |acc: &[i32; N]| {
            let mut out = [0x55; N];
            lanes.finish(acc, &mut out);
            out
        }))
    });
}

/// The stage in lanes over whole slices, for the checks above.
#[cfg(nncore_avx512)]
#[allow(clippy::incompatible_msrv)]
mod finish {
    use super::super::prepared::Lanes;
    use core::arch::x86_64::*;

    impl Lanes {
        /// `out[c]` for every channel of `acc`, sixteen at a time.
        ///
        /// # Panics
        /// If `acc` or `out` is not the stage's channels long.
        pub(crate) fn finish(&self, acc: &[i32], out: &mut [i8]) {
            assert!(
                acc.len() == self.channels() && out.len() == self.channels(),
                "a value a channel"
            );
            // SAFETY: `Lanes` exists only where the CPU runs AVX-512F (`Kernel::stage_lanes`).
            unsafe { self.finish_lanes(acc, out) }
        }

        /// [`Lanes::finish`], the lengths checked.
        ///
        /// # Safety
        /// The CPU must run AVX-512F; `acc` and `out` are the stage's channels long.
        #[target_feature(enable = "avx512f")]
        unsafe fn finish_lanes(&self, acc: &[i32], out: &mut [i8]) {
            for b in 0..self.channels().div_ceil(16) {
                let k = self.mask(b);
                // SAFETY: the masked channels from `16 · b` are inside `acc` and `out`.
                unsafe {
                    let x = _mm512_maskz_loadu_epi32(k, acc.as_ptr().add(16 * b));
                    self.store(b, x, out);
                }
            }
        }

        /// `out[p · n + c]` for the sums `acc[p · n + c]` of four positions, `n` the stage's
        /// channels, through [`Lanes::store_each`] (a whole block's four positions packed
        /// together); and `blocks[p · n + c]` the same through [`Lanes::packed_blocks_with`]
        /// for the whole blocks of 64 channels (the rest left as they are), put back in channel
        /// order.
        ///
        /// # Panics
        /// If `acc`, `out` or `blocks` is not four positions of the stage's channels.
        pub(crate) fn finish_four(&self, acc: &[i32], out: &mut [i8], blocks: &mut [i8]) {
            let n = self.channels();
            assert!(
                acc.len() == 4 * n && out.len() == 4 * n && blocks.len() == 4 * n,
                "four positions of the channels"
            );
            // SAFETY: `Lanes` exists only where the CPU runs AVX-512 VNNI (with F and BW); the
            // masked loads and the stores are inside the lengths checked above.
            unsafe {
                for b in 0..n.div_ceil(16) {
                    let x: [__m512i; 4] = core::array::from_fn(|p| {
                        _mm512_maskz_loadu_epi32(self.mask(b), acc.as_ptr().add(p * n + 16 * b))
                    });
                    self.store_each(b, &x, out.as_mut_ptr());
                }
                for (p, acc) in acc.chunks_exact(n).enumerate() {
                    for q in 0..n / 64 {
                        let x = core::array::from_fn(|t| {
                            _mm512_loadu_si512(acc.as_ptr().add(64 * q + 16 * t).cast())
                        });
                        let mut y = [0i8; 64];
                        _mm512_storeu_si512(
                            y.as_mut_ptr().cast(),
                            match self.fast() {
                                true => self.packed_blocks_with::<true>(q, x),
                                false => self.packed_blocks_with::<false>(q, x),
                            },
                        );
                        // Byte `4 · (4j + t) + i` is lane `4j + i` of block `4q + t`.
                        for (c, out) in blocks[p * n + 64 * q..][..64].iter_mut().enumerate() {
                            let (t, j, i) = (c / 16, c % 16 / 4, c % 4);
                            *out = y[4 * (4 * j + t) + i];
                        }
                    }
                }
            }
        }
    }
}

/// `ADD` in lanes (64 at a time by tables where the CPU has VBMI, then sixteen) against
/// [`crate::quant::Add::add`] on every pair of int8 inputs: scales far apart and close, zero
/// points at the ends of int8, fused ReLUs, multipliers whose divisions by a power of two meet
/// ties of both signs (with and without a ReLU), a multiplier of one (shift above 0, which the
/// scalar rescale leaves unshifted), a mantissa of `i32::MIN` (declined).
#[test]
fn the_vector_add_is_the_scalar_one() {
    use crate::quant::{Activation, Add, Multiplier, QuantParams};
    let q = QuantParams::new;
    let mut cases = std::vec![
        Add::new(q(0.05, -128), q(0.02, 127), q(0.07, 3), Activation::None),
        Add::new(q(0.5, 10), q(0.001, -7), q(0.3, -128), Activation::Relu),
        Add::new(q(0.1, 0), q(0.1, 0), q(0.2, 0), Activation::Relu6),
        Add::new(q(1e-4, 127), q(3.0, -128), q(2.0, 127), Activation::None),
    ];
    // Halves of one step, negative ones among them, at each division by a power of two: both
    // inputs halved (by 2^20 after the shift of 20), the sum halved, then halved again or not.
    // With a fused ReLU too (the sum's rounding then uncorrected for negative products).
    for (output_shift, activation) in [0, -1].into_iter().flat_map(|s| {
        [Activation::None, Activation::Relu]
            .into_iter()
            .map(move |a| (s, a))
    }) {
        let mut ties = Add::new(q(0.1, 5), q(0.1, -9), q(0.1, 0), activation);
        let half = |shift| Multiplier {
            mantissa: 1 << 30,
            shift,
        };
        ties.a_multiplier = half(-20);
        ties.b_multiplier = half(-20);
        ties.output_multiplier = half(output_shift);
        cases.push(ties);
    }
    let mut one = cases[0];
    one.a_multiplier = Multiplier {
        mantissa: 1 << 30,
        shift: 1,
    };
    cases.push(one);
    // gemmlowp's saturating case, left to the scalar path.
    one.b_multiplier = Multiplier {
        mantissa: i32::MIN,
        shift: -2,
    };
    cases.push(one);
    let a: Vec<i8> = (0..65536).map(|i| (i >> 8) as u8 as i8).collect();
    let b: Vec<i8> = (0..65536).map(|i| i as u8 as i8).collect();
    for add in cases {
        let want: Vec<i8> = a.iter().zip(&b).map(|(&a, &b)| add.add(a, b)).collect();
        let Some(v) = Kernel::Avx512Vnni.vector_stage(crate::quant::Rounding::Double) else {
            return;
        };
        // An odd length leaves a tail to the scalar path.
        let mut out = std::vec![0i8; 65533];
        let done = super::add(v, &add, &a[..65533], &b[..65533], &mut out);
        let saturating = add.b_multiplier.mantissa == i32::MIN;
        assert_eq!(done, if saturating { 0 } else { 65533 / 16 * 16 });
        assert_eq!(out[..done], want[..done], "{add:?}");
        let mut all = std::vec![0i8; 65536];
        add.add_slices(&a, &b, &mut all);
        assert_eq!(all, want, "{add:?}");
    }
}
