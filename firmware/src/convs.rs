//! Int8 convolutions of one group on odd shapes, for the `kernels` workload: position counts
//! that are not a multiple of four, patches whose length is not a multiple of four, padded
//! positions, and output stages of every kind (short multipliers and others, narrow clamps,
//! both roundings): every output must be the host's.

use nncore::quant::{Conv2d, Multiplier, OutputStage, Padding, QuantParams, Rounding};

/// The outputs of every shape, as `i32`.
pub const OUTPUTS: usize = 3 * 3 * 5 + 2 * 3 * 3 + 3 * 3 * 4 + 2 * 3 * 7 + 5 * 2 * 6;

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

/// One layer's output on an input of `H × W` pixels, into `out`.
#[allow(clippy::too_many_arguments)]
fn conv<
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
    let mut v = super::workloads::int8(seed, OUT * KH * KW * IN + OUT + H * W * IN);
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
    let x: [[[i8; IN]; W]; H] = core::array::from_fn(|_| {
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
    conv::<6, 5, 1, 1, 3, 3, 3, 3>(seed, 0, false, [1, 1], Padding::Valid, a);
    let (b, rest) = rest.split_at_mut(2 * 3 * 3);
    // Pointwise, six positions, twenty channels (four groups a loop, then one).
    conv::<20, 3, 1, 1, 2, 3, 2, 3>(seed + 1, 1, false, [1, 1], Padding::Valid, b);
    let (c, rest) = rest.split_at_mut(3 * 3 * 4);
    // Pointwise, strided, padded positions.
    conv::<8, 4, 1, 1, 4, 4, 3, 3>(
        seed + 2,
        2 + 3 * (seed % 2),
        seed % 3 == 0,
        [2, 2],
        Padding::Explicit([1, 1]),
        c,
    );
    let (d, e) = rest.split_at_mut(2 * 3 * 7);
    // 3×3 patches of three channels (27 values), `SAME`.
    conv::<3, 7, 3, 3, 2, 3, 2, 3>(seed + 3, 3, true, [1, 1], Padding::Same, d);
    // The keyword spotter's first layer's shape: 10×4 patches of one channel, stride 2.
    conv::<1, 6, 10, 4, 18, 7, 5, 2>(
        seed + 4,
        seed % 3,
        false,
        [2, 2],
        Padding::Explicit([0, 0]),
        e,
    );
}
