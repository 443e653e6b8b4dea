//! The depthwise kernels' tests' reference: every output of a layer of one output a channel,
//! its sum taken tap by tap in `i64` and finished by the scalar stage.

use core::fmt::Display;

use super::conv::Window;
use super::tests::Values;
use super::{Activation, DepthwiseConv2d, Kernel, OutputStage, Padding, QuantParams, Rounding};

/// Rows of the tests' images.
const H: usize = 7;

/// A path of AVX-512 VNNI (`run`, which says whether it ran) against [`assert_reference`], on
/// a layer of `C` channels and `KH × KW` random taps over a random image of seven rows: zero
/// points at both ends of int8 and between, both fixed-point roundings, fused activations.
/// Channel `c`'s bias is `(c − centre) · 2027`, its weight scale `0.0007 + step · c`.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_in_lanes<
    const C: usize,
    const KH: usize,
    const KW: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
>(
    seed: u32,
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
    [centre, step]: [f32; 2],
    path: &str,
    run: impl Fn(
        &DepthwiseConv2d<C, C, KH, KW>,
        &[[[i8; C]; W]; H],
        &Window,
        &mut [[[i8; C]; WO]; HO],
    ) -> bool,
) {
    let mut v = Values(seed);
    let x: [[[i8; C]; W]; H] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let weight: [[[i8; C]; KW]; KH] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let bias: [i32; C] = core::array::from_fn(|c| (c as i32 - centre as i32) * 2027);
    let scales: [f32; C] = core::array::from_fn(|c| 0.0007 + step * c as f32);
    let z = v.next();
    for (zero_point, rounding, activation) in [
        (-128, Rounding::Double, Activation::None),
        (127, Rounding::Double, Activation::Relu6),
        (z, Rounding::Double, Activation::Relu),
        (z, Rounding::Single, Activation::None),
    ] {
        let input = QuantParams::new(0.05, zero_point);
        let output = QuantParams::new(0.2, 5);
        let stage = OutputStage::per_channel(input, scales, output, activation, rounding);
        let dw =
            DepthwiseConv2d::<C, C, KH, KW>::new(weight, bias, stride, dilation, padding, stage);
        assert_eq!(dw.output_size([H, W]), [HO, WO], "the case's output size");
        let window = Window::new(padding, [H, W], [KH, KW], stride, dilation, [HO, WO]);
        let mut y = [[[0x55i8; C]; WO]; HO];
        let ran = run(&dw, &x, &window, &mut y);
        // A CPU without AVX-512 VNNI: nothing to check.
        assert_eq!(
            ran,
            Kernel::detect() == Kernel::Avx512Vnni,
            "the {path} ran"
        );
        if !ran {
            return;
        }
        let case = format_args!(
            "{path}: {C} channels {KH}×{KW} {stride:?} {dilation:?} {padding:?} zp {zero_point} \
             {rounding:?} {activation:?}"
        );
        assert_reference(&y, &x, &weight, &bias, &window, zero_point, &stage, case);
    }
}

/// Asserts that `y` is the layer's output for `x` at every position and channel; `case` names
/// the case in a failure.
#[allow(clippy::too_many_arguments)]
pub(super) fn assert_reference<
    const C: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
>(
    y: &[[[i8; C]; WO]; HO],
    x: &[[[i8; C]; W]; H],
    weight: &[[[i8; C]; KW]; KH],
    bias: &[i32; C],
    window: &Window,
    zero_point: impl Into<i64>,
    stage: &OutputStage<C>,
    case: impl Display,
) {
    let zero_point = zero_point.into();
    for (i, row) in y.iter().enumerate() {
        for (j, pixel) in row.iter().enumerate() {
            for (c, &got) in pixel.iter().enumerate() {
                let mut acc = bias[c] as i64;
                for (kh, taps) in weight.iter().enumerate() {
                    for (kw, w) in taps.iter().enumerate() {
                        let (Some(r), Some(col)) =
                            (window.tap(0, i, kh, H), window.tap(1, j, kw, W))
                        else {
                            continue;
                        };
                        acc += w[c] as i64 * (x[r][col][c] as i64 - zero_point);
                    }
                }
                assert_eq!(got, stage.finish(c, acc as i32), "{case} at {i},{j},{c}");
            }
        }
    }
}
