//! The fully connected layer against hand-worked sums, the reference arithmetic and its
//! parts.

use super::*;
use crate::quant::{Activation, QuantParams, Rounding};

/// Built at compile time, multipliers included.
const BAKED: FullyConnected<2, 1> = FullyConnected::new(
    [[3, -1]],
    [4],
    OutputStage::per_channel(
        QuantParams::new(0.5, 1),
        [0.1],
        QuantParams::new(0.02, -3),
        Activation::Relu6,
        Rounding::Double,
    ),
);

#[test]
fn layers_are_const_constructible() {
    let m = crate::quant::Multiplier::from_real(0.5f32 as f64 * 0.1f32 as f64 / 0.02f32 as f64);
    assert_eq!(BAKED.stage.multiplier, [m]);
    assert_eq!(BAKED.stage.clamp, [-3, 127]);
    // acc = 3·(5 − 1) − (2 − 1) + 4 = 15; · 2.5 = 37.5 → 38 (ties away), − 3.
    assert_eq!(BAKED.forward(&[5, 2]), [35]);
}

#[test]
fn a_small_layer_by_hand() {
    // Input scale 0.5 with zero point 2, weight scale 0.25, output scale 0.125 zero point -1:
    // factor 1, so y = bias + Σ w (x − 2), then −1.
    let input = QuantParams::new(0.5, 2);
    let output = QuantParams::new(0.125, -1);
    let stage = OutputStage::per_tensor(input, 0.25, output, Activation::None, Rounding::Double);
    let layer = FullyConnected::new([[1, -2, 3], [0, 0, 0]], [10, -7], stage);
    let x = [2, 5, -1];
    // Row 0: 1·0 − 2·3 + 3·(−3) = −15, + 10 = −5.
    assert_eq!(layer.accumulate(&x), [-5, -7]);
    assert_eq!(layer.forward(&x), [-6, -8]);
    let relu = FullyConnected::new(
        *layer.weight(),
        *layer.bias(),
        OutputStage::per_tensor(input, 0.25, output, Activation::Relu, Rounding::Double),
    );
    assert_eq!(relu.forward(&x), [-1, -1]);
}

#[test]
fn every_rounding_reaches_the_real_result_off_ties() {
    let input = QuantParams::new(0.02, -5);
    let output = QuantParams::new(0.3, 4);
    let w = [[17, -90, 127, 4], [-127, 3, 55, -60]];
    let x = [-128, 0, 77, 127];
    let scales = [0.011, 0.0043];
    for rounding in [Rounding::Double, Rounding::Single, Rounding::Float] {
        let stage = OutputStage::per_channel(input, scales, output, Activation::None, rounding);
        let layer = FullyConnected::new(w, [300, -2000], stage);
        let acc = layer.accumulate(&x);
        let y = layer.forward(&x);
        for o in 0..2 {
            let real = acc[o] as f64 * 0.02 * scales[o] as f64 / 0.3;
            let want = (real.round() as i32 + 4).clamp(-128, 127);
            assert_eq!(y[o] as i32, want, "{rounding:?} output {o}: {real}");
        }
    }
}

/// Wider than a block (two whole blocks and part of a third), with a scale a channel: every
/// kernel and rounding gives each output its own channel's stage of the portable sum.
#[test]
fn wide_layers_run_a_block_of_outputs_at_a_time() {
    use crate::quant::Kernel;
    const IN: usize = 37;
    const OUT: usize = 2 * ROWS + 44;
    let mut seed = 7u32;
    let mut next = || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 24) as u8 as i8
    };
    let weight: [[i8; IN]; OUT] = core::array::from_fn(|_| core::array::from_fn(|_| next()));
    let x: [i8; IN] = core::array::from_fn(|_| next());
    let bias: [i32; OUT] = core::array::from_fn(|o| (o as i32 - 150) * 37);
    let scales: [f32; OUT] = core::array::from_fn(|o| 0.0005 + 0.0001 * (o % 97) as f32);
    let (input, output) = (QuantParams::new(0.04, -9), QuantParams::new(0.2, 5));
    for rounding in [Rounding::Double, Rounding::Single, Rounding::Float] {
        let stage = OutputStage::per_channel(input, scales, output, Activation::None, rounding);
        let layer = FullyConnected::new(weight, bias, stage);
        let acc = layer.accumulate_with(&x, Kernel::Portable);
        let want: [i8; OUT] = core::array::from_fn(|o| stage.finish(o, acc[o]));
        assert!(want.iter().any(|&y| y != want[0]), "outputs that differ");
        for kernel in crate::quant::kernel::KERNELS {
            assert_eq!(layer.accumulate_with(&x, kernel), acc, "{kernel:?}");
            let y = layer.forward_with(&x, kernel);
            assert_eq!(y, want, "{kernel:?} {rounding:?}");
        }
    }
}

/// Each output's sum in `i64` from the parts as given: `bias + Σ w · (x − zx)`, wrapped.
fn reference<const IN: usize, const OUT: usize>(
    layer: &FullyConnected<IN, OUT>,
    x: &[i8; IN],
) -> [i32; OUT] {
    let zx = layer.stage().input.zero_point as i64;
    core::array::from_fn(|o| {
        let dot: i64 = (layer.weight()[o].iter().zip(x))
            .map(|(&w, &x)| w as i64 * (x as i64 - zx))
            .sum();
        (layer.bias()[o] as i64 + dot) as i32
    })
}

/// A layer built with `new` (the VNNI kernels' bias derived from its weights, bias and
/// input zero point, rows' sums large and small, every input zero point's correction
/// among them) sums as the reference does with every kernel, through `accumulate` and
/// `forward`; rebuilt from its parts with another zero point, again.
#[test]
fn the_derived_bias_sums_as_the_reference_with_every_kernel() {
    use crate::quant::kernel::KERNELS;
    const IN: usize = 70;
    const OUT: usize = 19;
    let mut seed = 11u32;
    let mut next = || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 24) as u8 as i8
    };
    // Row 0 all 127, row 1 all −128: the largest sums of weights either way.
    let weight: [[i8; IN]; OUT] = core::array::from_fn(|o| match o {
        0 => [127; IN],
        1 => [-128; IN],
        _ => core::array::from_fn(|_| next()),
    });
    let x: [i8; IN] = core::array::from_fn(|_| next());
    let bias: [i32; OUT] = core::array::from_fn(|o| (o as i32 - 9) * 1013);
    let output = QuantParams::new(0.5, 3);
    for zero_point in [-128, -127, -5, 0, 77, 127] {
        let input = QuantParams::new(0.01, zero_point);
        let stage =
            OutputStage::per_tensor(input, 0.01, output, Activation::None, Rounding::Double);
        let layer = FullyConnected::new(weight, bias, stage);
        let want = reference(&layer, &x);
        let y: [i8; OUT] = core::array::from_fn(|o| stage.finish(o, want[o]));
        for kernel in KERNELS {
            assert_eq!(
                layer.accumulate_with(&x, kernel),
                want,
                "{kernel:?} {zero_point}"
            );
            assert_eq!(layer.forward_with(&x, kernel), y, "{kernel:?} {zero_point}");
        }
        let (w, b, mut s) = layer.clone().into_parts();
        assert_eq!((w, b, s), (weight, bias, stage));
        s.input = QuantParams::new(0.01, zero_point.wrapping_add(1));
        let rebuilt = FullyConnected::new(w, b, s);
        let want = reference(&rebuilt, &x);
        for kernel in KERNELS {
            assert_eq!(
                rebuilt.accumulate_with(&x, kernel),
                want,
                "{kernel:?} rebuilt"
            );
        }
    }
}

/// The test above sees the derived bias: one changed by 1 changes the VNNI kernels' sums
/// (on every x86-64 CPU: without VNNI the portable loop runs on the same terms).
#[cfg(target_arch = "x86_64")]
#[test]
fn a_wrong_derived_bias_shows() {
    let input = QuantParams::new(0.01, 9);
    let stage = OutputStage::per_tensor(input, 0.01, input, Activation::None, Rounding::Double);
    let layer = FullyConnected::new([[5, -7, 3], [1, 2, 3]], [100, -100], stage);
    let x = [4, -3, 120];
    let mut broken = layer.clone();
    broken.unsigned_bias[1] = broken.unsigned_bias[1].wrapping_add(1);
    for kernel in [Kernel::AvxVnni, Kernel::Avx512Vnni] {
        let good = layer.accumulate_with(&x, kernel);
        assert_eq!(good, reference(&layer, &x), "{kernel:?}");
        let bad = broken.accumulate_with(&x, kernel);
        assert_eq!(bad, [good[0], good[1].wrapping_add(1)], "{kernel:?}");
    }
    assert_eq!(
        broken.accumulate_with(&x, Kernel::Portable),
        reference(&layer, &x)
    );
}
