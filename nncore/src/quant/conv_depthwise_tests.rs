//! A [`Conv2d`] of one input channel a group, which on x86-64 runs on [`DepthwiseConv2d`]'s
//! kernels (`conv_groups.rs`), against the grouped path tap by tap (`Conv2d::groups_body`, the
//! portable taps and stage) and against each output computed one product at a time in `i64`
//! and finished by the scalar stage: on every kernel (those this CPU lacks run the portable
//! path); channels below, at and past the blocks of the lanes (8, 16 and 32 fill the positions
//! in lanes, 32 and more the taps in lanes, others the AVX2 stage); depth multipliers 1 and 2;
//! strides 1 and 2, a dilation, `SAME`, `VALID` and explicit padding; zero points at both ends
//! of int8 and between; both fixed-point roundings; fused activations.

extern crate std;

use super::conv::Window;
use super::tests::Values;
use super::*;

/// Every kernel; those this CPU lacks run the portable path.
const KERNELS: [Kernel; 4] = [
    Kernel::Portable,
    Kernel::Avx2,
    Kernel::AvxVnni,
    Kernel::Avx512Vnni,
];

/// The zero points, roundings and activations each case runs with.
const STAGES: [(i8, Rounding, Activation); 4] = [
    (-128, Rounding::Double, Activation::None),
    (127, Rounding::Double, Activation::Relu6),
    (-5, Rounding::Double, Activation::Relu),
    (40, Rounding::Single, Activation::None),
];

/// `C` groups of one input channel, `OUT = C · M` outputs, `K × K` taps over a 7 × `W` input
/// giving `HO × WO`.
fn check<
    const C: usize,
    const OUT: usize,
    const K: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
>(
    seed: u32,
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
) {
    const H: usize = 7;
    let mut v = Values(seed);
    let x: [[[i8; C]; W]; H] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let weight: [[[[i8; 1]; K]; K]; OUT] =
        core::array::from_fn(|_| core::array::from_fn(|_| core::array::from_fn(|_| v.array())));
    let bias: [i32; OUT] = core::array::from_fn(|o| (o as i32 - 7) * 2027);
    let scales: [f32; OUT] = core::array::from_fn(|o| 0.0007 + 0.0003 * o as f32);
    for (zero_point, rounding, activation) in STAGES {
        let input = QuantParams::new(0.05, zero_point);
        let output = QuantParams::new(0.2, 5);
        let stage = OutputStage::per_channel(input, scales, output, activation, rounding);
        let conv = Conv2d::<1, OUT, K, K>::new(weight, bias, stride, dilation, padding, stage);
        assert_eq!(conv.output_size([H, W]), [HO, WO], "the case's output size");
        let window = Window::new(padding, [H, W], [K, K], stride, dilation, [HO, WO]);
        let mut grouped = [[[0x55i8; OUT]; WO]; HO];
        conv.groups_body(
            &x,
            &window,
            Kernel::Portable,
            Kernel::Portable,
            &mut grouped,
        );
        let case = std::format!(
            "{C} channels to {OUT}, {K}×{K} {stride:?} {dilation:?} {padding:?} zp {zero_point} \
             {rounding:?} {activation:?}"
        );
        for (i, row) in grouped.iter().enumerate() {
            for (j, pixel) in row.iter().enumerate() {
                for (o, &got) in pixel.iter().enumerate() {
                    let c = o / (OUT / C);
                    let mut acc = bias[o] as i64;
                    for (kh, taps) in weight[o].iter().enumerate() {
                        for (kw, w) in taps.iter().enumerate() {
                            let (Some(r), Some(col)) =
                                (window.tap(0, i, kh, H), window.tap(1, j, kw, W))
                            else {
                                continue;
                            };
                            acc += w[0] as i64 * (x[r][col][c] as i64 - zero_point as i64);
                        }
                    }
                    let want = stage.finish(o, acc as i32);
                    assert_eq!(got, want, "grouped path: {case} at {i},{j},{o}");
                }
            }
        }
        for kernel in KERNELS {
            let y: [[[i8; OUT]; WO]; HO] = conv.forward_with(&x, kernel);
            assert_eq!(y, grouped, "{kernel:?}: {case}");
        }
    }
}

#[test]
fn one_channel_a_group_is_the_grouped_path() {
    let one = [1, 1];
    // The positions in lanes (8, 16, 32 channels), strided and not, padded and not.
    check::<8, 8, 3, 13, 7, 13>(1, one, one, Padding::Same);
    check::<16, 16, 3, 13, 4, 7>(2, [2, 2], one, Padding::Same);
    check::<32, 32, 3, 6, 5, 4>(3, one, one, Padding::Valid);
    // The taps in lanes (32 channels and more, in whole and partial blocks of 16 and 64).
    check::<40, 40, 3, 6, 4, 3>(4, [2, 2], one, Padding::Same);
    check::<64, 64, 3, 6, 7, 6>(5, one, one, Padding::Explicit([1, 1]));
    check::<72, 72, 3, 6, 3, 2>(6, [2, 2], one, Padding::Valid);
    // Few channels, not dividing 64: the AVX2 stage or the taps' loop.
    check::<6, 6, 3, 6, 7, 6>(7, one, one, Padding::Same);
    check::<20, 20, 2, 6, 6, 5>(8, one, one, Padding::Valid);
    check::<12, 12, 5, 13, 7, 13>(9, one, [1, 2], Padding::Explicit([2, 4]));
    // A depth multiplier of 2: output `o` sees channel `o / 2`.
    check::<3, 6, 3, 6, 4, 3>(10, [2, 2], one, Padding::Same);
    check::<16, 32, 3, 6, 7, 6>(11, one, one, Padding::Same);
}
