//! Depthwise 3×3 convolutions for the `kernels` workload, a `Conv2d` of one channel a group and
//! a `DepthwiseConv2d` on the same inputs: planes one row high to fourteen columns wide (past
//! the widest that Thumb-1's planes take), each channel with its own multiplier (those the
//! planes' output stage leaves to the portable one among them), both roundings, the extreme
//! input offsets, two clamps; then a stride and a padding the planes refuse.

use nncore::quant::{
    Conv2d, DepthwiseConv2d, Multiplier, OutputStage, Padding, QuantParams, Rounding,
};

/// Multipliers `(mantissa, shift)` the channels take in turn: right shifts of 0 to 31 and
/// beyond, a left shift, a negative mantissa, zero.
const MULTIPLIERS: [(i32, i32); 10] = [
    (1_518_500_250, -9),
    (1 << 30, -2),
    (i32::MAX, -31),
    (1 << 30, -1),
    (1_234_567_891, -14),
    (1 << 30, 0),
    (2_000_000_001, -7),
    (1 << 30, 2),
    (-(1 << 30), -5),
    (0, -3),
];

/// Outputs of [`check`].
pub const LEN: usize = 2
    * (3 + 2 * 13 * 5
        + 3 * 14 * 2
        + 5 * 4 * 7
        + 4 * 7 * 3
        + 6 * 4
        + 3 * 6 * 3
        + 3 * 5 * 2
        + 4 * 8 * 4);

/// Every case's outputs, as `i32`s, into `out` (`LEN` long).
pub fn check(seed: u32, out: &mut [i32]) {
    let mut rest = out;
    let mut next = |n: usize| {
        let (head, tail) = core::mem::take(&mut rest).split_at_mut(n);
        rest = tail;
        head
    };
    same::<3, 1, 1>(seed, 0, next(2 * 3));
    same::<5, 2, 13>(seed + 1, 1, next(2 * 2 * 13 * 5));
    same::<2, 3, 14>(seed + 2, 2, next(2 * 3 * 14 * 2));
    same::<7, 5, 4>(seed + 3, 3, next(2 * 5 * 4 * 7));
    same::<3, 4, 7>(seed + 4, 4, next(2 * 4 * 7 * 3));
    same::<4, 6, 1>(seed + 5, 5, next(2 * 6 * 4));
    refused::<3, 5, 6, 3, 6>(seed + 6, 6, [2, 1], Padding::Same, next(2 * 3 * 6 * 3));
    refused::<2, 5, 7, 3, 5>(seed + 7, 7, [1, 1], Padding::Valid, next(2 * 3 * 5 * 2));
    ties::<4, 4, 8>(seed + 8, next(2 * 4 * 8 * 4));
}

/// Sums that are the inputs themselves (the centre tap 1, the others 0, the input zero point
/// 0), halved exactly (`m = 2^30`) and divided by `2^e` for `e` from 2 to 5: an eighth or more of
/// them ties of the second rounding, of both signs.
fn ties<const C: usize, const H: usize, const W: usize>(seed: u32, out: &mut [i32]) {
    let (_, _, x) = values::<C, H, W>(seed);
    let w = [[0, 0, 0], [0, 1, 0], [0, 0, 0]];
    let mut stage = stage::<C>(0);
    stage.input = QuantParams::new(1.0, 0);
    stage.output = QuantParams::new(1.0, 0);
    stage.multiplier = core::array::from_fn(|c| Multiplier {
        mantissa: 1 << 30,
        shift: -2 - (c as i32 % 4),
    });
    let bias = core::array::from_fn(|c| 4 * c as i32 - 6);
    layers::<C, H, W, H, W>(&[w; C], bias, &x, stage, [1, 1], Padding::Same, out);
}

/// The stage of a case: channel `c`'s multiplier `MULTIPLIERS[c + k]`, the rounding, input zero
/// point and clamp by `k`.
fn stage<const C: usize>(k: usize) -> OutputStage<C> {
    let zero_points: [i8; 4] = [-128, 127, 3, -7];
    let clamps = [[-128, 127], [5, 100]];
    OutputStage {
        input: QuantParams::new(1.0, zero_points[k % 4]),
        output: QuantParams::new(1.0, zero_points[(k + 1) % 4]),
        weight_scale: [1.0; C],
        multiplier: core::array::from_fn(|c| {
            let (mantissa, shift) = MULTIPLIERS[(c + k) % MULTIPLIERS.len()];
            Multiplier { mantissa, shift }
        }),
        clamp: clamps[k % 2],
        rounding: if k % 3 == 2 {
            Rounding::Single
        } else {
            Rounding::Double
        },
    }
}

/// Random weights (`[channel][kh][kw]`), biases of up to 31 bits and inputs.
#[allow(clippy::type_complexity)]
fn values<const C: usize, const H: usize, const W: usize>(
    seed: u32,
) -> ([[[i8; 3]; 3]; C], [i32; C], [[[i8; C]; W]; H]) {
    let mut v = super::workloads::int8(seed, 10 * C + H * W * C);
    let w = core::array::from_fn(|_| {
        core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap()))
    });
    let bias = core::array::from_fn(|c| i32::from(v.next().unwrap()) << (c * 7 % 24));
    let x = core::array::from_fn(|_| {
        core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap()))
    });
    (w, bias, x)
}

/// Both layers with `SAME` padding and stride 1, which the planes take where `W ≤ 13`.
fn same<const C: usize, const H: usize, const W: usize>(seed: u32, k: usize, out: &mut [i32]) {
    run::<C, H, W, H, W>(seed, k, [1, 1], Padding::Same, out);
}

/// Both layers with a stride or padding the planes refuse.
fn refused<const C: usize, const H: usize, const W: usize, const HO: usize, const WO: usize>(
    seed: u32,
    k: usize,
    stride: [usize; 2],
    padding: Padding,
    out: &mut [i32],
) {
    run::<C, H, W, HO, WO>(seed, k, stride, padding, out);
}

fn run<const C: usize, const H: usize, const W: usize, const HO: usize, const WO: usize>(
    seed: u32,
    k: usize,
    stride: [usize; 2],
    padding: Padding,
    out: &mut [i32],
) {
    let (w, bias, x) = values::<C, H, W>(seed);
    layers::<C, H, W, HO, WO>(&w, bias, &x, stage::<C>(k), stride, padding, out);
}

/// The outputs of both layers with these weights (`[channel][kh][kw]`) on `x`.
fn layers<const C: usize, const H: usize, const W: usize, const HO: usize, const WO: usize>(
    w: &[[[i8; 3]; 3]; C],
    bias: [i32; C],
    x: &[[[i8; C]; W]; H],
    stage: OutputStage<C>,
    stride: [usize; 2],
    padding: Padding,
    out: &mut [i32],
) {
    let grouped = Conv2d::<1, C, 3, 3>::new(
        core::array::from_fn(|c| w[c].map(|row| row.map(|v| [v]))),
        bias,
        stride,
        [1, 1],
        padding,
        stage.clone(),
    );
    let depthwise = DepthwiseConv2d::<C, C, 3, 3>::new(
        core::array::from_fn(|kh| {
            core::array::from_fn(|kw| core::array::from_fn(|c| w[c][kh][kw]))
        }),
        bias,
        stride,
        [1, 1],
        padding,
        stage,
    );
    let a: [[[i8; C]; WO]; HO] = grouped.forward(x);
    let b: [[[i8; C]; WO]; HO] = depthwise.forward(x);
    let values = a
        .as_flattened()
        .as_flattened()
        .iter()
        .chain(b.as_flattened().as_flattened());
    for (o, &v) in out.iter_mut().zip(values) {
        *o = i32::from(v);
    }
}
