//! For the `kernels` workload: dense layers' sums with their weights aligned to 4 bytes (which
//! the DSP extension loads eight at a time) and not, on lengths around its steps, started from
//! the bias; and TensorFlow Lite Micro's output stage on an odd number of channels (the loop's
//! last one alone), with the multipliers it leaves and accumulators at the ends and at ties.
//! Every output must be the host's.

use nncore::quant::{FullyConnected, Kernel, Multiplier, OutputStage, QuantParams, Rounding};

/// Room for every shape's weights, aligned to 4 bytes, and one byte more to misalign them.
#[repr(C, align(4))]
struct Aligned([i8; 1380]);

/// Sums of `rows` rows from aligned and from misaligned weights, at two offsets.
const fn sums(rows: usize) -> usize {
    2 * 2 * rows
}

/// The outputs: sums, then stages (four bytes an `i32`).
pub const LEN: usize = SUMS + STAGES.div_ceil(4);
const SUMS: usize = sums(6) + sums(5) + sums(4) + sums(7) + sums(4) + sums(4);
/// Each multiplier on all 15 channels with each zero point, then all of them side by side.
const LAYERS: usize = 3 * CASES + CASES;
const STAGES: usize = LAYERS * 15;

/// Multipliers the loop leaves (a shift of 0 or more or below −31, a negative mantissa) and
/// ones it takes at its ends (mantissas below `2^30`, a shift of −1 and −31).
const EDGES: [(i32, i32); 14] = [
    (1 << 30, 0),
    (1 << 30, 1),
    (1 << 30, -32),
    (1 << 30, -40),
    (-(1 << 30), -8),
    (i32::MIN, -5),
    (-1, -1),
    ((1 << 30) - 1, -8),
    (12_345, -8),
    (0, -8),
    (1, -1),
    (i32::MAX, -1),
    (i32::MAX, -31),
    (1 << 30, -31),
];
const CASES: usize = EDGES.len() + 31;

/// Multiplier `k` of [`CASES`]: the edges, then `1_518_500_250` at every right shift.
fn multiplier(k: usize) -> Multiplier {
    let (mantissa, shift) = match k.checked_sub(EDGES.len()) {
        None => EDGES[k],
        Some(k) => (1_518_500_250, -1 - k as i32),
    };
    Multiplier { mantissa, shift }
}

/// An accumulator for `m`: the extremes, `±2^30` and beside them, near the high product's ties
/// of the rounding by `2^e`, random ones.
fn accumulator(m: Multiplier, kind: usize, seed: u32) -> i32 {
    let e = m.shift.clamp(-31, -1).unsigned_abs();
    let near = |k: i64| {
        let high = (k << e) + (1 << (e - 1));
        let p = i128::from(high) << 31;
        (p / i128::from(m.mantissa.max(1))).clamp(i32::MIN.into(), i32::MAX.into()) as i32
    };
    let k = i64::from(seed % 5) - 2;
    match kind {
        0 => i32::MIN,
        1 => i32::MAX,
        2 => 1 << 30,
        3 => -(1 << 30),
        4 => (1 << 30) - 1,
        5 => -(1 << 30) - 1,
        6 => near(k),
        7 => near(k).wrapping_add(1),
        8 => near(k).wrapping_sub(1),
        9 => near(-k - 1),
        10 => 0,
        _ => {
            let mut v = crate::workloads::int8(seed.wrapping_add(kind as u32), 2);
            let (a, b) = (v.next().unwrap_or(0), v.next().unwrap_or(0));
            (i32::from(a) << 16 | i32::from(b) << 8) >> (seed % 24)
        }
    }
}

/// The sums of `OUT` rows of `IN` weights from `seed`'s starting sums, the weights aligned and
/// then one byte off, at input offsets −127 and 128.
fn rows<const IN: usize, const OUT: usize>(seed: u32, out: &mut [i32]) {
    let mut buffer = Aligned([0; 1380]);
    let mut v = crate::workloads::int8(seed, buffer.0.len() + IN);
    buffer.0.iter_mut().for_each(|w| *w = v.next().unwrap_or(0));
    let x: [i8; IN] = core::array::from_fn(|_| v.next().unwrap_or(0));
    let mut out = out.chunks_exact_mut(OUT);
    for from in [0, 1] {
        let (weight, _) = buffer.0[from..from + IN * OUT].as_chunks::<IN>();
        let Ok(weight) = <&[[i8; IN]; OUT]>::try_from(weight) else {
            return;
        };
        for offset in [-127, 128] {
            let mut acc = core::array::from_fn(|o| (seed as i32).wrapping_mul(o as i32 + 1));
            Kernel::detect().rows(weight, &x, offset, &mut acc);
            if let Some(out) = out.next() {
                out.copy_from_slice(&acc);
            }
        }
    }
}

/// Every check, into `out` ([`LEN`] long).
pub fn check(seed: u32, out: &mut [i32]) {
    let (totals, rest) = out.split_at_mut(SUMS);
    stages(seed, rest);
    // Eight inputs a step: twice four steps, four rows and two; four steps and one, then one
    // row; five steps and four inputs; two steps, four rows, two and one; 85 groups at the
    // longest rows the eight-input loads reach; rows just longer.
    let (a, rest) = totals.split_at_mut(sums(6));
    rows::<64, 6>(seed, a);
    let (b, rest) = rest.split_at_mut(sums(5));
    rows::<40, 5>(seed + 1, b);
    let (c, rest) = rest.split_at_mut(sums(4));
    rows::<44, 4>(seed + 2, c);
    let (d, rest) = rest.split_at_mut(sums(7));
    rows::<16, 7>(seed + 3, d);
    let (e, f) = rest.split_at_mut(sums(4));
    rows::<340, 4>(seed + 4, e);
    rows::<344, 4>(seed + 5, f);
}

/// Layers of 15 channels, channel `c` with the accumulator of kind `c`: each multiplier on
/// every channel (so that the loop's pairs have it twice) with each zero point and clamp, then
/// layers `i` with multiplier `(i + c) mod CASES` on channel `c` (every multiplier beside
/// others, the loop leaving and coming back).
fn stages(seed: u32, out: &mut [i32]) {
    const CLAMPS: [(i8, [i8; 2]); 3] = [(-128, [-128, 127]), (3, [3, 127]), (127, [-20, 100])];
    let mut bytes = [0i8; STAGES.div_ceil(4) * 4];
    for (i, y) in bytes[..STAGES].chunks_exact_mut(15).enumerate() {
        let (zero_point, clamp) = CLAMPS[i % CLAMPS.len()];
        let k = |c: usize| {
            if i < 3 * CASES {
                i / 3
            } else {
                (i + c) % CASES
            }
        };
        let multiplier: [Multiplier; 15] = core::array::from_fn(|c| multiplier(k(c)));
        let bias = core::array::from_fn(|c| accumulator(multiplier[c], c, seed + i as u32));
        let stage = OutputStage {
            input: QuantParams::new(1.0, 0),
            output: QuantParams::new(1.0, zero_point),
            weight_scale: [1.0; 15],
            multiplier,
            clamp,
            rounding: Rounding::Double,
        };
        let layer = FullyConnected::new([[0; 1]; 15], bias, stage);
        if let Ok(y) = <&mut [i8; 15]>::try_from(y) {
            layer.forward_into(&[0], y);
        }
    }
    for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *o = i32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8]);
    }
}
