//! The host model of the once-rounding loop against the portable stage.

use super::*;
use alloc::vec::Vec;

/// Deterministic values (xorshift).
fn next(bits: &mut u32) -> u32 {
    *bits ^= *bits << 13;
    *bits ^= *bits >> 17;
    *bits ^= *bits << 5;
    *bits
}

/// The accumulators near the points where the model's decisions change for `m`: ties of
/// the rounding, the ends of the fraction's window and of the range, the extremes.
fn accumulators(m: Multiplier, zero_point: i32, bits: &mut u32) -> Vec<i32> {
    let t = (31 - m.shift).clamp(1, 62) as u32;
    let mantissa = (m.mantissa as i64).max(1) as i128;
    let at = |p: i128| (p / mantissa).clamp(i32::MIN as i128, i32::MAX as i128) as i64;
    let mut accs = Vec::from([i32::MIN, i32::MIN + 1, i32::MAX, 0, 1, -1, 2, -2]);
    let half = 1i128 << (t - 1);
    let window = 1i128 << t.saturating_sub(10);
    for k in [-3000i128, -200, -3, -1, 0, 1, 2, 77, 2500] {
        let tie = (k << t) + half;
        for p in [tie, tie - window, tie + window, tie - 2 * window] {
            for e in -2..=2 {
                accs.push((at(p) + e).clamp(i32::MIN as i64, i32::MAX as i64) as i32);
            }
        }
    }
    for r in [2047, -2048, 2048, -2049] {
        let p = ((r - zero_point) as i128) << t;
        for e in -1..=1 {
            accs.push((at(p) + e).clamp(i32::MIN as i64, i32::MAX as i64) as i32);
        }
    }
    for _ in 0..200 {
        let r = next(bits) as i32;
        accs.push(r >> (next(bits) % 32));
    }
    accs
}

/// Every shift the loop takes and others, mantissas at their ends, three zero points and
/// clamps, both roundings: where the model gives an output it is the portable stage's, and
/// it leaves few channels of `Float` and none of `Single` with a right shift.
#[test]
fn the_loop_is_the_portable_stage() {
    let mut bits = 0x2545_f491u32;
    let mantissas = [
        1 << 30,
        (1 << 30) + 1,
        1_518_500_250,
        i32::MAX,
        (1 << 30) - 1,
        12_345,
        0,
        -(1 << 30),
        i32::MIN,
    ];
    for shift in -40..=3 {
        for &mantissa in &mantissas {
            for (zero_point, clamp) in [(-128, [-128, 127]), (5, [5, 127]), (127, [-20, 100])] {
                // `Float` with the scales of its multiplier, and with others (whose exact path
                // gives the accumulator itself: a channel the loop takes but `round_scaled`
                // would not shows).
                for (rounding, real) in [
                    (Rounding::Single, true),
                    (Rounding::Float, true),
                    (Rounding::Float, false),
                ] {
                    let m = Multiplier { mantissa, shift };
                    let weight_scale = if real { m.to_real() as f32 / 2.0 } else { 2.0 };
                    let stage = OutputStage {
                        input: QuantParams::new(0.5, 0),
                        output: QuantParams::new(0.25, zero_point as i8),
                        weight_scale: [weight_scale],
                        multiplier: [m],
                        clamp,
                        rounding,
                    };
                    let float = rounding == Rounding::Float;
                    for acc in accumulators(m, zero_point, &mut bits) {
                        let Some(y) = model(acc, m, float, zero_point) else {
                            assert!(float || !(-31..=-1).contains(&shift), "{m:?} {acc}");
                            continue;
                        };
                        let y = y.clamp(clamp[0], clamp[1]);
                        let want = stage.finish(0, acc);
                        assert_eq!(y, want, "{m:?} {zero_point} {acc} {rounding:?}");
                    }
                }
            }
        }
    }
}

/// `Float` leaves few channels: of outputs within int8's range, about one in 500 (a product
/// within `2^(t−10)` of a tie) for a factor with a long mantissa.
#[test]
fn the_loop_leaves_few_float_channels() {
    let mut bits = 0x0bad_5eedu32;
    for shift in -31..=-1 {
        let t = (31 - shift) as u32;
        // Factors that are not short binary fractions, whose products are rarely near ties.
        for _ in 0..3 {
            let mantissa = (1 << 30) | (next(&mut bits) >> 2) as i32;
            let m = Multiplier { mantissa, shift };
            let mut left = 0;
            for _ in 0..2000 {
                // An accumulator whose product is within [−200, 200] · 2^t.
                let bound = ((200i128 << t) / mantissa as i128).min(i32::MAX as i128) as u32;
                let acc = (next(&mut bits) % (2 * bound + 1)) as i64 - bound as i64;
                let acc = acc as i32;
                left += model(acc, m, true, 0).is_none() as u32;
            }
            assert!(left <= 20, "{m:?}: {left} of 2000 left");
        }
    }
}

/// The stage of a whole layer, channels left and taken mixed, is the portable one's.
#[test]
fn a_layer_mixes_the_loop_and_the_portable_stage() {
    let mut bits = 0x1234_5678u32;
    let multiplier: [Multiplier; 16] = core::array::from_fn(|c| Multiplier {
        mantissa: [1 << 30, i32::MAX, 1_518_500_250, 1 << 29][c % 4],
        shift: [-1, -11, -31, 0, -32, -20][c % 6],
    });
    for rounding in [Rounding::Single, Rounding::Float] {
        let stage = OutputStage {
            input: QuantParams::new(0.5, 0),
            output: QuantParams::new(0.25, 3),
            weight_scale: core::array::from_fn(|c| multiplier[c].to_real() as f32 / 2.0),
            multiplier,
            clamp: [-20, 90],
            rounding,
        };
        for _ in 0..500 {
            let acc: [i32; 16] =
                core::array::from_fn(|_| next(&mut bits) as i32 >> (next(&mut bits) % 32));
            let mut out = [0i8; 16];
            let scales = [stage.input.scale, stage.output.scale];
            let layer = (&multiplier[..], &stage.weight_scale[..], scales);
            finish_once(&acc, layer, rounding, 3, stage.clamp, &mut out);
            let want: [i8; 16] = core::array::from_fn(|c| stage.finish(c, acc[c]));
            assert_eq!(out, want, "{acc:?}");
        }
    }
}
