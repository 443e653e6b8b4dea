//! Every kernel against sums computed one product at a time in `i64`: lengths below, at and
//! between vector blocks (16, 32, 64 bytes), row counts around groups of four and sixteen, the
//! offsets at both ends of their range, values at both ends of int8, and sums that wrap.

extern crate std;

use super::*;
use std::vec::Vec;

/// Every kernel; those this CPU lacks run the portable path.
const ALL: [Kernel; KERNELS.len()] = KERNELS;

/// The offsets of the input zero points 127, 0, −128 and two between.
const OFFSETS: [i32; 5] = [-127, -3, 0, 77, 128];

/// Deterministic int8 values (a linear congruential generator).
fn values(seed: u32, n: usize) -> impl Iterator<Item = i8> {
    let mut s = seed;
    (0..n).map(move |_| {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (s >> 24) as u8 as i8
    })
}

/// Each row's sum computed one product at a time in `i64`, wrapped to int32.
fn reference(w: &[i8], x: &[i8], offset: i32) -> Vec<i32> {
    w.chunks_exact(x.len())
        .map(|row| {
            let sum: i64 = row
                .iter()
                .zip(x)
                .map(|(&w, &x)| w as i64 * (x as i64 + offset as i64))
                .sum();
            sum as i32
        })
        .collect()
}

/// Every kernel on `rows` rows of `n`, with and without row sums, against [`reference`]: random
/// values, then every weight and input at the ends of int8.
pub(super) fn check_flat(seed: u32, n: usize, rows: usize) {
    let random: Vec<i8> = values(seed, n * rows + n).collect();
    let (w, x) = random.split_at(n * rows);
    let cases: [(Vec<i8>, Vec<i8>); 4] = [
        (w.to_vec(), x.to_vec()),
        (std::vec![i8::MIN; n * rows], std::vec![i8::MIN; n]),
        (std::vec![i8::MIN; n * rows], std::vec![i8::MAX; n]),
        (std::vec![i8::MAX; n * rows], std::vec![i8::MIN; n]),
    ];
    for (w, x) in &cases {
        let sums: Vec<i32> = w
            .chunks_exact(n)
            .map(|r| r.iter().fold(0i32, |s, &v| s.wrapping_add(v as i32)))
            .collect();
        for offset in OFFSETS {
            let want = reference(w, x, offset);
            for kernel in ALL {
                for given in [None, Some(&sums[..])] {
                    let mut acc = std::vec![7; rows];
                    kernel.rows_flat(w, x, offset, given, &mut acc);
                    let got: Vec<i32> = acc.iter().map(|a| a.wrapping_sub(7)).collect();
                    let sums = given.is_some();
                    assert_eq!(
                        got, want,
                        "{kernel:?} {n}×{rows} offset {offset} sums {sums}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_kernel_computes_the_exact_sums() {
    // Tails shorter than every vector, blocks and a bit, row counts 1 to 9.
    for (seed, (n, rows)) in [
        (1, 1),
        (3, 2),
        (8, 3),
        (15, 4),
        (16, 5),
        (17, 6),
        (31, 7),
        (32, 8),
        (33, 9),
        (63, 4),
        (64, 5),
        (65, 3),
        (100, 7),
        (128, 8),
        (129, 1),
        (576, 6),
        (640, 9),
    ]
    .into_iter()
    .enumerate()
    {
        check_flat(seed as u32, n, rows);
    }
}

#[test]
fn sums_that_wrap_are_the_same_wrapped_sums() {
    // 128 · 255 · 70,001 exceeds int32 many times over; an odd length leaves a tail.
    check_flat(99, 70_001, 5);
}

#[test]
fn the_row_sums_are_wrapping_sums_of_each_row() {
    let w: Vec<i8> = values(5, 3 * 70_001).collect();
    let sums = row_sums::<3>(&w);
    for (row, sum) in w.chunks_exact(70_001).zip(sums) {
        let want: i64 = row.iter().map(|&v| v as i64).sum();
        assert_eq!(sum, want as i32);
    }
}

fn check<const IN: usize, const OUT: usize>(seed: u32) {
    let mut v = values(seed, IN * OUT + IN);
    let w: [[i8; IN]; OUT] = core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap()));
    let x: [i8; IN] = core::array::from_fn(|_| v.next().unwrap());
    for offset in OFFSETS {
        let want = reference(w.as_flattened(), &x, offset);
        for kernel in ALL {
            let mut acc = [7; OUT];
            kernel.rows(&w, &x, offset, &mut acc);
            let got = acc.map(|a| a.wrapping_sub(7));
            assert_eq!(got[..], want[..], "{kernel:?} {IN}×{OUT} offset {offset}");
        }
    }
}

#[test]
fn rows_of_arrays_are_the_flat_rows() {
    check::<1, 1>(1);
    check::<15, 3>(2);
    check::<64, 10>(5);
    check::<65, 13>(6);
}

#[test]
fn forcing_a_kernel_makes_detect_return_it() {
    let fastest = Kernel::detect();
    #[cfg(target_arch = "aarch64")]
    assert_eq!(fastest, Kernel::Neon, "NEON on AArch64");
    Kernel::force(Some(Kernel::Portable));
    let forced = Kernel::detect();
    Kernel::force(None);
    assert_eq!(forced, Kernel::Portable);
    assert_eq!(Kernel::detect(), fastest);
}

/// The output stage in vectors against [`crate::quant::OutputStage::finish`]: the three
/// roundings (the multipliers, arbitrary, send the `double` one down its exact path too), every
/// shift they meet, mantissas at the ends of their range and at
/// one half (where the high multiplication ties), accumulators at the ends of int32, around
/// the ties of the division by a power of two, and at random; zero points and clamps at the
/// ends of int8.
#[test]
fn the_vector_output_stage_is_the_scalar_one() {
    use crate::quant::{Activation, Multiplier, OutputStage, QuantParams, Rounding};
    const N: usize = 67;
    let mantissas = [
        1 << 30,
        (1 << 30) + 1,
        i32::MAX,
        1_518_500_250,
        1_234_567_890,
    ];
    let mut random = values(21, 4 * 8 * 1000).collect::<Vec<_>>().into_iter();
    let mut word = || i32::from_le_bytes(core::array::from_fn(|_| random.next().unwrap() as u8));
    let mut accs: Vec<i32> = std::vec![i32::MIN, i32::MIN + 1, i32::MAX, -1, 0, 1];
    accs.extend(-300..300);
    for e in 0..31 {
        let half = 1i32 << e;
        accs.extend([
            half,
            -half,
            half + 1,
            -half - 1,
            half - 1,
            half.wrapping_mul(3),
            half.wrapping_mul(-3),
        ]);
    }
    accs.extend((0..2000).map(|_| word()));
    // The double rounding with every shift at most 0 too (its shorter path).
    for (rounding, most) in [
        (Rounding::Double, 30),
        (Rounding::Double, 0),
        (Rounding::Single, 40),
        (Rounding::Float, 40),
    ] {
        let shifts: Vec<i32> = (-32..=most).collect();
        // Zero point 0 with no clamp keeps the negative results in range.
        for (zero_point, activation) in [
            (-128, Activation::None),
            (127, Activation::Relu),
            (5, Activation::Relu6),
            (0, Activation::None),
        ] {
            let output = QuantParams::new(0.02, zero_point);
            let mut stage: OutputStage<N> = OutputStage::per_tensor(
                QuantParams::new(0.1, 3),
                0.01,
                output,
                activation,
                rounding,
            );
            stage.multiplier = core::array::from_fn(|c| Multiplier {
                mantissa: mantissas[c % mantissas.len()],
                shift: shifts[(c * 7) % shifts.len()],
            });
            let vector = stage.vector(Kernel::Avx512Vnni);
            if avx512_vnni_available() {
                assert!(vector.is_some(), "{rounding:?}: the vector stage runs here");
            }
            let lanes = lanes_of(&stage, most == 0);
            for (k, chunk) in accs.chunks(N).enumerate() {
                // Every multiplier meets every accumulator over the chunks.
                let acc: [i32; N] = core::array::from_fn(|c| chunk[(c + k) % chunk.len()]);
                let want: [i8; N] = core::array::from_fn(|c| stage.finish(c, acc[c]));
                assert_eq!(
                    stage.finish_all(&acc, vector),
                    want,
                    "{rounding:?} zero point {zero_point}"
                );
                lanes(&acc, &want);
            }
            for rotate in 0..N {
                let acc: [i32; N] = core::array::from_fn(|c| accs[(c + rotate) % accs.len()]);
                let want: [i8; N] = core::array::from_fn(|c| stage.finish(c, acc[c]));
                assert_eq!(
                    stage.finish_all(&acc, vector),
                    want,
                    "{rounding:?} rotation {rotate}"
                );
                lanes(&acc, &want);
            }
        }
    }
}

/// A check of the stage prepared in lanes (`Lanes`) against `want`: where it takes the stage
/// (the double rounding, every shift at most 0, on a CPU with AVX-512 VNNI: `takes`), and
/// nowhere else.
fn lanes_of<const N: usize>(
    stage: &crate::quant::OutputStage<N>,
    takes: bool,
) -> impl Fn(&[i32; N], &[i8; N]) {
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    {
        let zero_point = stage.output.zero_point as i32;
        let (m, r) = (&stage.multiplier, stage.rounding);
        let mut room = core::mem::MaybeUninit::uninit();
        let lanes = Kernel::Avx512Vnni.stage_lanes(m, r, zero_point, stage.clamp, &mut room);
        let lanes = lanes.copied();
        let takes = takes && r == crate::quant::Rounding::Double && avx512_vnni_available();
        assert_eq!(lanes.is_some(), takes, "{r:?}: the stage in lanes");
        move |acc: &[i32; N], want: &[i8; N]| {
            if let Some(lanes) = &lanes {
                let mut out = [0x55; N];
                lanes.finish(acc, &mut out);
                assert_eq!(&out, want, "the stage in lanes");
                let four: std::vec::Vec<i32> = (0..4).flat_map(|_| *acc).collect();
                let (mut each, mut blocks) = (std::vec![0x55; 4 * N], std::vec![0x55; 4 * N]);
                lanes.finish_four(&four, &mut each, &mut blocks);
                for (p, (each, blocks)) in each.chunks(N).zip(blocks.chunks(N)).enumerate() {
                    assert_eq!(each, want, "position {p} of four in lanes");
                    let whole = N / 64 * 64;
                    assert_eq!(blocks[..whole], want[..whole], "position {p} by blocks");
                }
            }
        }
    }
    #[cfg(not(all(target_arch = "x86_64", nncore_avx512)))]
    {
        let _ = (stage, takes);
        |_: &[i32; N], _: &[i8; N]| {}
    }
}

/// Multipliers the fixed-point vector stage leaves to the scalar one: a double rounding's shift
/// above 30, a mantissa of `i32::MIN`; it stops at the first sixteen channels with one, and
/// the layer's stage finishes the rest.
#[test]
fn the_vector_output_stage_leaves_what_it_cannot_match() {
    use crate::quant::{Activation, Multiplier, OutputStage, QuantParams, Rounding};
    let input = QuantParams::new(0.1, 3);
    let output = QuantParams::new(0.02, -5);
    let stage =
        |rounding| OutputStage::<20>::per_tensor(input, 0.01, output, Activation::None, rounding);
    let acc: [i32; 20] = core::array::from_fn(|c| (c as i32 - 10) * 1_000_003);
    for (rounding, odd) in [
        (
            Rounding::Double,
            Multiplier {
                mantissa: 1 << 30,
                shift: 31,
            },
        ),
        (
            Rounding::Double,
            Multiplier {
                mantissa: i32::MIN,
                shift: -2,
            },
        ),
        (
            Rounding::Single,
            Multiplier {
                mantissa: i32::MIN,
                shift: 2,
            },
        ),
    ] {
        let mut stage = stage(rounding);
        stage.multiplier[17] = odd;
        let want: [i8; 20] = core::array::from_fn(|c| stage.finish(c, acc[c]));
        let vector = stage.vector(Kernel::Avx512Vnni);
        assert_eq!(stage.finish_all(&acc, vector), want, "{odd:?}");
        if let Some(v) = vector {
            let mut out = [0i8; 20];
            let (m, zp) = (&stage.multiplier, output.zero_point as i32);
            assert_eq!(rescale(v, &acc, m, rounding, zp, stage.clamp, &mut out), 16);
            assert_eq!(out[..16], want[..16]);
        }
    }
}

/// One depthwise tap on every kernel: channel counts below, at and past vector widths, the
/// offsets at both ends, accumulators about to wrap.
#[test]
fn every_kernel_adds_a_depthwise_tap() {
    for n in [1, 7, 8, 16, 31, 64, 65, 200] {
        let v: Vec<i8> = values(n as u32, 2 * n).collect();
        let (w, x) = v.split_at(n);
        for offset in OFFSETS {
            let start: Vec<i32> = (0..n as i32).map(|c| i32::MAX - 3 * c).collect();
            let want: Vec<i32> = (0..n)
                .map(|c| start[c].wrapping_add(w[c] as i32 * (x[c] as i32 + offset)))
                .collect();
            for kernel in ALL {
                let mut acc = start.clone();
                kernel.tap(&mut acc, w, x, offset);
                assert_eq!(acc, want, "{kernel:?} {n} channels offset {offset}");
            }
        }
    }
}
