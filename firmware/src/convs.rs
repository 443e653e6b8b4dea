//! Int8 convolutions on odd shapes, for the `kernels` workload: of one group, position counts
//! that are not a multiple of the block's eight, patches whose length is not a multiple of four, padded
//! positions; depthwise 3×3; and output stages of every kind (short multipliers and others, narrow clamps,
//! both roundings): every output must be the host's.

use nncore::quant::{Conv2d, Multiplier, OutputStage, Padding, QuantParams, Rounding};

/// The outputs of every shape, as `i32`.
pub const OUTPUTS: usize =
    3 * 3 * 5 + 2 * 3 * 3 + 3 * 3 * 4 + 2 * 3 * 7 + 5 * 2 * 6 + 2 * 4 * 3 * 6 + EDGES;

/// The stage of `OUT` channels: per-channel multipliers, short (a right shift of 1 to 20,
/// mantissa at least `2^30`), or with `mixed` some not; the clamp and rounding by `kind`.
fn stage<const OUT: usize>(seed: u32, kind: u32, mixed: bool) -> OutputStage<OUT> {
    let mut v = super::workloads::uniform(seed, 2 * OUT);
    let multiplier = core::array::from_fn(|o| {
        let (a, b) = (v.next().unwrap_or(0.0), v.next().unwrap_or(0.0));
        let mantissa = (1 << 30) + (a * (1u32 << 30) as f32) as i32;
        match if mixed { o % 4 } else { 0 } {
            2 => Multiplier { mantissa, shift: 0 },
            3 => Multiplier {
                mantissa: mantissa >> 3,
                shift: -2,
            },
            // Every right shift of the short stage, most near the sums' scale.
            _ if o % 5 == 4 => Multiplier {
                mantissa,
                shift: -1 - (b * 20.0) as i32,
            },
            _ => Multiplier {
                mantissa,
                shift: -10 - (b * 6.0) as i32,
            },
        }
    });
    let (zero_point, clamp) = [(0, [-128, 127]), (3, [3, 127]), (-7, [-20, 90])][kind as usize % 3];
    let rounding = [Rounding::Double, Rounding::Single][kind as usize / 3 % 2];
    OutputStage {
        input: QuantParams::new(1.0, [-128, 127, 0, 5, -3][seed as usize % 5]),
        output: QuantParams::new(1.0, zero_point),
        weight_scale: [1.0; OUT],
        multiplier,
        clamp,
        rounding,
    }
}

/// One layer's output on an input of `H × W` pixels of `C` channels, into `out`.
#[allow(clippy::too_many_arguments)]
fn conv<
    const C: usize,
    const IN: usize,
    const OUT: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
>(
    seed: u32,
    kind: u32,
    mixed: bool,
    stride: [usize; 2],
    padding: Padding,
    out: &mut [i32],
) {
    let mut v = super::workloads::int8(seed, OUT * KH * KW * IN + OUT + H * W * C);
    let weight = core::array::from_fn(|_| {
        core::array::from_fn(|_| {
            core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap_or(0)))
        })
    });
    // Biases near the sums' scale, and some beyond 2^30, where the doubling of the short stage
    // saturates.
    let bias = core::array::from_fn(|o| {
        let b = i32::from(v.next().unwrap_or(0));
        if o % 3 == 2 { b << 24 } else { b << 6 }
    });
    let x: [[[i8; C]; W]; H] = core::array::from_fn(|_| {
        core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap_or(0)))
    });
    let layer = Conv2d::<IN, OUT, KH, KW>::new(
        weight,
        bias,
        stride,
        [1, 1],
        padding,
        stage(seed, kind, mixed),
    );
    let y: [[[i8; OUT]; WO]; HO] = layer.forward(&x);
    for (o, &y) in out.iter_mut().zip(y.as_flattened().as_flattened()) {
        *o = i32::from(y);
    }
}

/// Every shape's outputs.
pub fn convs(seed: u32, out: &mut [i32]) {
    let (a, rest) = out.split_at_mut(3 * 3 * 5);
    // Pointwise, nine positions, six channels (a tail of two).
    conv::<6, 6, 5, 1, 1, 3, 3, 3, 3>(seed, 0, false, [1, 1], Padding::Valid, a);
    let (b, rest) = rest.split_at_mut(2 * 3 * 3);
    // Pointwise, six positions (fewer than a block), twenty channels (four groups a loop, then
    // one).
    conv::<20, 20, 3, 1, 1, 2, 3, 2, 3>(seed + 1, 1, false, [1, 1], Padding::Valid, b);
    let (c, rest) = rest.split_at_mut(3 * 3 * 4);
    // Pointwise, strided, padded positions.
    conv::<8, 8, 4, 1, 1, 4, 4, 3, 3>(
        seed + 2,
        2 + 3 * (seed % 2),
        seed % 3 == 0,
        [2, 2],
        Padding::Explicit([1, 1]),
        c,
    );
    let (d, rest) = rest.split_at_mut(2 * 3 * 7);
    // 3×3 patches of three channels (27 values), `SAME`.
    conv::<3, 3, 7, 3, 3, 2, 3, 2, 3>(seed + 3, 3, true, [1, 1], Padding::Same, d);
    let (e, rest) = rest.split_at_mut(5 * 2 * 6);
    // The keyword spotter's first layer's shape: 10×4 patches of one channel, stride 2.
    conv::<1, 1, 6, 10, 4, 18, 7, 5, 2>(
        seed + 4,
        seed % 3,
        false,
        [2, 2],
        Padding::Explicit([0, 0]),
        e,
    );
    // Depthwise 3×3 over six channels, one zero of padding (the planes of `conv_planes.rs`):
    // int8's clamp (the short stage where the multiplier is short) and a narrow one.
    let (f, rest) = rest.split_at_mut(4 * 3 * 6);
    let (g, h) = rest.split_at_mut(4 * 3 * 6);
    let same = Padding::Explicit([1, 1]);
    conv::<6, 1, 6, 3, 3, 4, 3, 4, 3>(seed + 5, 0, seed % 2 == 0, [1, 1], same, f);
    conv::<6, 1, 6, 3, 3, 4, 3, 4, 3>(seed + 6, 2, seed % 2 == 1, [1, 1], same, g);
    edges(seed, h);
}

/// Short multipliers: right shifts from 1 to 20, the extreme mantissas.
const SHORT: [(i32, i32); 6] = [
    (1 << 30, -1),
    (1 << 30, -5),
    (1 << 30, -9),
    (1 << 30, -20),
    (i32::MAX, -3),
    (1_518_500_250, -9),
];
/// Zero points and clamps of [`edges`].
const CLAMPS: [(i8, [i8; 2]); 4] = [
    (0, [-128, 127]),
    (-128, [-128, 127]),
    (127, [-128, 127]),
    (5, [5, 127]),
];
const EDGES: usize = SHORT.len() * CLAMPS.len() * 16 * (9 + 2);

/// The short output stage on the accumulators a stage meets (the extremes, ties of both
/// roundings, random ones): pointwise convolutions of nine positions (a block of eight, then
/// one) and depthwise 3×3 ones of two, with zero weights, whose accumulators are their biases.
fn edges(seed: u32, out: &mut [i32]) {
    let mut out = out.iter_mut();
    for (mantissa, shift) in SHORT {
        for (zero_point, clamp) in CLAMPS {
            let stage = OutputStage {
                input: QuantParams::new(1.0, 0),
                output: QuantParams::new(1.0, zero_point),
                weight_scale: [1.0; 16],
                multiplier: [Multiplier { mantissa, shift }; 16],
                clamp,
                rounding: Rounding::Double,
            };
            let bias = super::workloads::selected::accumulators(seed, shift.unsigned_abs());
            let (one, valid) = ([1, 1], Padding::Valid);
            let pointwise = Conv2d::<1, 16, 1, 1>::new([[[[0]]]; 16], bias, one, one, valid, stage);
            let y: [[[i8; 16]; 9]; 1] = pointwise.forward(&[[[0]; 9]]);
            let depthwise = Conv2d::<1, 16, 3, 3>::new(
                [[[[0]; 3]; 3]; 16],
                bias,
                one,
                one,
                Padding::Explicit([1, 1]),
                stage,
            );
            let z: [[[i8; 16]; 2]; 1] = depthwise.forward(&[[[0; 16]; 2]]);
            let ys = y
                .as_flattened()
                .as_flattened()
                .iter()
                .chain(z.as_flattened().as_flattened());
            for (o, &y) in out.by_ref().zip(ys) {
                *o = i32::from(y);
            }
        }
    }
}
