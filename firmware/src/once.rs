//! The output stages that round once (`Float`, the interpreter's, and `Single`), for the
//! `kernels` workload: fully connected layers with zero weights, whose accumulators are their
//! biases, on every right shift, mantissas at their ends, multipliers the fast loop leaves,
//! mixed in one layer; accumulators at ties and beside them, at the ends of the fraction's
//! window and of the range the loop takes, the extremes; four zero points and clamps. Every
//! output must be the host's.

use nncore::quant::{FullyConnected, Multiplier, OutputStage, QuantParams, Rounding};

/// Multipliers the loop leaves to the portable stage (a shift of 0 or more or below −31, a
/// mantissa below `2^30` or negative).
const LEFT: [(i32, i32); 9] = [
    (1 << 30, 0),
    (1 << 30, 1),
    (1 << 30, -32),
    (1 << 30, -40),
    ((1 << 30) - 1, -8),
    (12_345, -8),
    (0, -8),
    (-(1 << 30), -8),
    (i32::MIN, -5),
];
/// Mantissas at each right shift from 1 to 31.
const MANTISSAS: [i32; 3] = [1 << 30, i32::MAX, 1_518_500_250];
const CASES: usize = 31 * MANTISSAS.len() + LEFT.len();
/// Zero points and clamps, one a layer in turn.
const CLAMPS: [(i8, [i8; 2]); 4] = [
    (-128, [-128, 127]),
    (0, [-128, 127]),
    (5, [5, 127]),
    (127, [-20, 100]),
];
/// The outputs, four bytes an `i32`.
pub const LEN: usize = 2 * CASES * 16 / 4;

/// Multiplier `k` of [`CASES`].
fn multiplier(k: usize) -> Multiplier {
    let (mantissa, shift) = match k.checked_sub(LEFT.len()) {
        None => LEFT[k],
        Some(k) => (MANTISSAS[k % 3], -1 - (k / 3) as i32),
    };
    Multiplier { mantissa, shift }
}

/// Accumulator `kind` (of 16) for `m` and the zero point `z`: the extremes, the single
/// rounding's ties and their neighbours, the ends of the fraction's window (within
/// `2^(t−10)` of a tie), the ends of the range (`r + z` from −2048 to 2047), random ones.
fn accumulator(m: Multiplier, z: i32, kind: usize, seed: u32) -> i32 {
    let t = (31 - m.shift).clamp(1, 62) as u32;
    let mantissa = i128::from(m.mantissa.max(1));
    let at = |p: i128| (p / mantissa).clamp(i32::MIN.into(), i32::MAX.into()) as i32;
    let k = i128::from(seed % 7) - 3;
    let tie = (k << t) + (1 << (t - 1));
    let window = 1i128 << t.saturating_sub(10);
    let range = |r: i32| at(i128::from(r - z) << t);
    match kind {
        0 => i32::MIN,
        1 => i32::MAX,
        2 => 0,
        3 => -1,
        4 => at(tie),
        5 => at(-tie),
        6 => at(tie).saturating_add(1),
        7 => at(-tie).saturating_sub(1),
        8 => at(tie - window),
        9 => at(tie + window).saturating_add(1),
        10 => at(tie - window).saturating_sub(1),
        11 => range(2047),
        12 => range(-2048),
        13 => range(2048).saturating_add(1),
        _ => {
            let mut v = crate::workloads::int8(seed.wrapping_add(kind as u32), 2);
            let (a, b) = (v.next().unwrap_or(0), v.next().unwrap_or(0));
            (i32::from(a) << 16 | i32::from(b) << 8) >> (seed % 24)
        }
    }
}

/// Layer `i` of each rounding: channel `c` has multiplier `(i + c) mod CASES`, so that every
/// multiplier meets every kind of accumulator, beside others the loop takes or leaves.
pub fn check(seed: u32, out: &mut [i32]) {
    let mut bytes = [0i8; 2 * CASES * 16];
    let mut chunks = bytes.chunks_exact_mut(16);
    for rounding in [Rounding::Float, Rounding::Single] {
        for i in 0..CASES {
            let (zero_point, clamp) = CLAMPS[i % CLAMPS.len()];
            let multiplier: [Multiplier; 16] =
                core::array::from_fn(|c| multiplier((i + c) % CASES));
            let bias =
                core::array::from_fn(|c| accumulator(multiplier[c], zero_point.into(), c, seed));
            let stage = OutputStage {
                input: QuantParams::new(1.0, 0),
                output: QuantParams::new(1.0, zero_point),
                weight_scale: [1.0; 16],
                multiplier,
                clamp,
                rounding,
            };
            let layer = FullyConnected::new([[0; 1]; 16], bias, stage);
            if let Some(Ok(y)) = chunks.next().map(<&mut [i8; 16]>::try_from) {
                layer.forward_into(&[0], y);
            }
        }
    }
    for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *o = i32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8]);
    }
}
