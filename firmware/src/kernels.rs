//! The int8 dot products of this target ([`nncore::quant::Kernel::detect`]: SMLAD on the M4F,
//! Thumb-1 assembly on the M0) on shapes around their blocks and limits, with the extreme
//! input offsets: every sum must be the host's.

use nncore::quant::Kernel;

pub const NAME: &str =
    "int8 dot products on odd shapes, output stages on edge cases, f32 dense layers";
pub const MULTIPLY_ADDS: usize = 0;
pub const WEIGHT_BYTES: usize = 0;
pub const MODEL_BYTES: usize = 0;
pub const ARENA_BYTES: usize = 0;
pub type Input = u32;
/// Dot products of seven shapes at four offsets, then [`stages`], then [`dense`]'s bits, then
/// depthwise convolutions ([`crate::planes`]), then [`crate::convs::convs`], then the
/// stages that round once ([`crate::once`]), then [`crate::dsp`].
pub type Output = [i32; LEN];
const LEN: usize = SUMS + STAGES + DENSE + crate::planes::LEN + FURTHER;
const FURTHER: usize = crate::convs::OUTPUTS + crate::once::LEN + crate::dsp::LEN;
const SUMS: usize = 4 * (7 + 5 + 4 + 9 + 2 + 3 + 5);

pub fn input(k: u32) -> Input {
    k
}

/// The sums of one shape, for each of four offsets.
fn sums<const IN: usize, const OUT: usize>(seed: u32, out: &mut [i32]) {
    let mut v = super::int8(seed, IN * OUT + IN);
    let w: [[i8; IN]; OUT] = core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap()));
    let x: [i8; IN] = core::array::from_fn(|_| v.next().unwrap());
    for (k, offset) in [-127, -3, 0, 128].into_iter().enumerate() {
        let mut acc = [seed as i32; OUT];
        Kernel::detect().rows(&w, &x, offset, &mut acc);
        out[k * OUT..(k + 1) * OUT].copy_from_slice(&acc);
    }
}

pub fn infer(seed: &Input) -> Output {
    let mut out = [0; LEN];
    let (y, z) = out.split_at_mut(SUMS);
    let (z, d) = z.split_at_mut(STAGES);
    let (d, p) = d.split_at_mut(DENSE);
    let (p, c) = p.split_at_mut(crate::planes::LEN);
    let (c, o) = c.split_at_mut(crate::convs::OUTPUTS);
    let (o, r) = o.split_at_mut(crate::once::LEN);
    crate::dsp::check(*seed, r);
    crate::once::check(*seed, o);
    stages(*seed, z);
    dense(*seed, d);
    crate::planes::check(*seed, p);
    crate::convs::convs(*seed, c);
    let (a, rest) = y.split_at_mut(4 * 7);
    sums::<37, 7>(*seed, a);
    let (b, rest) = rest.split_at_mut(4 * 5);
    sums::<3, 5>(*seed + 1, b);
    let (c, rest) = rest.split_at_mut(4 * 4);
    sums::<16, 4>(*seed + 2, c);
    let (d, rest) = rest.split_at_mut(4 * 9);
    sums::<130, 9>(*seed + 3, d);
    let (e, rest) = rest.split_at_mut(4 * 2);
    sums::<1400, 2>(*seed + 4, e);
    let (f, g) = rest.split_at_mut(4 * 3);
    sums::<70, 3>(*seed + 5, f);
    // Rows longer than the kernels' slices of offset inputs, the last slice three long.
    sums::<259, 5>(*seed + 6, g);
    out
}

/// Accumulators a stage meets: the extremes, ties of both roundings, random ones.
pub(crate) fn accumulators(seed: u32, exponent: u32) -> [i32; 16] {
    let tie = |k: i32| {
        (k << exponent.min(29))
            .wrapping_add(1 << exponent.min(29) >> 1)
            .wrapping_mul(2)
    };
    let mut v = super::int8(seed, 8).map(|b| i32::from(b) << (seed % 24));
    let mut acc = [
        i32::MIN,
        i32::MAX,
        0,
        1,
        -1,
        tie(3),
        tie(-3),
        tie(0),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    acc[8..].iter_mut().for_each(|a| *a = v.next().unwrap_or(0));
    acc
}

const DENSE: usize = 2 * (3 + 5 + 4 + 2);

/// The outputs of f32 dense layers whose inputs are not a multiple of 8 (the lanes' last
/// partial step), for a sample alone and in a batch of two.
fn dense(seed: u32, out: &mut [i32]) {
    let (a, rest) = out.split_at_mut(2 * 3);
    linear::<19, 3>(seed, a);
    let (b, rest) = rest.split_at_mut(2 * 5);
    linear::<37, 5>(seed + 1, b);
    let (c, d) = rest.split_at_mut(2 * 4);
    linear::<47, 4>(seed + 2, c);
    linear::<200, 1>(seed + 3, d);
}

fn linear<const IN: usize, const OUT: usize>(seed: u32, out: &mut [i32]) {
    use nncore::{Layer, Linear};
    let mut v = super::uniform(seed, IN * OUT + OUT + 2 * IN).map(|u| 2.0 * u - 1.0);
    let mut layer = Linear::<IN, OUT>::ZERO;
    layer.weight = core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap()));
    layer.bias = core::array::from_fn(|_| v.next().unwrap());
    let x: [[f32; IN]; 2] = core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap()));
    let one = layer.forward(&x[0]);
    let mut two = [[0.0; OUT]; 2];
    layer.forward_batch(&x, &mut two);
    let bits = one.iter().chain(&two[1]).map(|v| v.to_bits() as i32);
    for (o, b) in out.iter_mut().zip(bits) {
        *o = b;
    }
}

/// Multipliers `(mantissa, shift)` of each stage: right shifts from 0 to beyond 31, a left
/// shift, the extreme mantissas, zero.
const MULTIPLIERS: [(i32, i32); 13] = [
    (1 << 30, 0),
    (1 << 30, -1),
    (1 << 30, -2),
    (1_234_567_891, -30),
    (2_000_000_001, -7),
    (1 << 30, -5),
    (1 << 30, -31),
    (1 << 30, -40),
    (i32::MIN, 0),
    (i32::MAX, -3),
    (1_518_500_250, -9),
    (1 << 30, 2),
    (0, 0),
];
const STAGES: usize = 2 * 3 * (MULTIPLIERS.len() + 1) * 16;

/// The outputs of fully connected layers with zero weights, whose accumulators are their
/// biases: every multiplier, three zero points and clamps, both roundings.
fn stages(seed: u32, out: &mut [i32]) {
    use nncore::quant::{FullyConnected, Multiplier, OutputStage, QuantParams, Rounding};
    let mut out = out.iter_mut();
    for rounding in [Rounding::Double, Rounding::Single] {
        for (zero_point, clamp) in [(-128, [-128, 127]), (5, [5, 127]), (127, [-20, 100])] {
            // Each multiplier for all channels, then all of them side by side.
            for k in 0..=MULTIPLIERS.len() {
                let multiplier: [Multiplier; 16] = core::array::from_fn(|c| {
                    let n = MULTIPLIERS.len();
                    let (mantissa, shift) = MULTIPLIERS[if k < n { k } else { c % n }];
                    Multiplier { mantissa, shift }
                });
                let stage = OutputStage {
                    input: QuantParams::new(1.0, 0),
                    output: QuantParams::new(1.0, zero_point),
                    weight_scale: [1.0; 16],
                    multiplier,
                    clamp,
                    rounding,
                };
                let shift = MULTIPLIERS[k % MULTIPLIERS.len()].1;
                let bias = accumulators(seed, shift.unsigned_abs());
                let layer = FullyConnected::new([[0; 1]; 16], bias, stage);
                for (o, y) in out.by_ref().zip(layer.forward(&[0])) {
                    *o = i32::from(y);
                }
            }
        }
    }
}
