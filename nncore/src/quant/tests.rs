//! The window ops against simpler paths to the same numbers: a convolution is a fully connected
//! layer on each output position's patch (padding read as the input's zero point), a depthwise
//! convolution is a convolution whose weights are zero across channels, and pooling is a
//! reduction over explicitly listed windows. (`tests/tflite.rs` checks them against TensorFlow
//! Lite itself.)

extern crate std;
use super::*;
use std::vec::Vec;

/// Deterministic int8 values (a linear congruential generator).
pub(super) struct Values(pub(super) u32);

impl Values {
    pub(super) fn next(&mut self) -> i8 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (self.0 >> 24) as u8 as i8
    }

    pub(super) fn array<const N: usize>(&mut self) -> [i8; N] {
        core::array::from_fn(|_| self.next())
    }
}

/// An NHWC image, `H × W × C`.
type Image<const C: usize, const W: usize, const H: usize> = [[[i8; C]; W]; H];

const INPUT: QuantParams = QuantParams::new(0.04, -7);

/// Every kernel; those this CPU lacks run the portable path.
use super::kernel::KERNELS;
const OUTPUT: QuantParams = QuantParams::new(0.3, 3);

#[test]
fn padding_follows_tensorflow_lite() {
    // (padding, input, kernel, stride, dilation) -> (output, padded before)
    let cases = [
        (Padding::Same, 8, 3, 1, 1, 8, 1),
        (Padding::Same, 8, 3, 2, 1, 4, 0), // 1 to pad: it goes after
        (Padding::Same, 9, 3, 2, 1, 5, 1),
        (Padding::Same, 4, 2, 1, 2, 4, 1), // a 2-tap kernel dilated to span 3
        (Padding::Same, 4, 3, 2, 1, 2, 0), // the average pooling of options_cnn_int8
        (Padding::Same, 5, 1, 3, 1, 2, 0),
        (Padding::Valid, 8, 3, 1, 1, 6, 0),
        (Padding::Valid, 4, 3, 2, 1, 1, 0),
        (Padding::Valid, 7, 3, 2, 2, 2, 0),
        (Padding::Valid, 2, 3, 1, 1, 0, 0),
    ];
    for (p, input, k, s, d, out, before) in cases {
        assert_eq!(
            p.output_size(0, input, k, s, d),
            out,
            "{p:?} {input} {k} {s} {d}"
        );
        assert_eq!(
            p.before(1, input, k, s, d, out),
            before,
            "{p:?} {input} {k} {s} {d}"
        );
    }
}

/// The patch of output position `(i, j)`: `KH × KW × C` values, the zero point where a tap falls
/// outside the input.
fn patch<const C: usize, const H: usize, const W: usize, const N: usize>(
    x: &[[[i8; C]; W]; H],
    k: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
    before: [usize; 2],
    (i, j): (usize, usize),
) -> [i8; N] {
    let mut out = [INPUT.zero_point; N];
    for kh in 0..k[0] {
        for kw in 0..k[1] {
            let r = (i * stride[0] + kh * dilation[0]) as isize - before[0] as isize;
            let c = (j * stride[1] + kw * dilation[1]) as isize - before[1] as isize;
            if (0..H as isize).contains(&r) && (0..W as isize).contains(&c) {
                let at = (kh * k[1] + kw) * C;
                out[at..at + C].copy_from_slice(&x[r as usize][c as usize]);
            }
        }
    }
    out
}

#[test]
fn a_convolution_is_a_fully_connected_layer_on_patches() {
    let mut v = Values(1);
    let x: [[[i8; 3]; 6]; 7] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let weight: [[[[i8; 3]; 2]; 3]; 4] =
        core::array::from_fn(|_| core::array::from_fn(|_| core::array::from_fn(|_| v.array())));
    let bias = [900, -1500, 0, 77];
    let scales = [0.01, 0.002, 0.02, 0.007];
    let stage =
        OutputStage::per_channel(INPUT, scales, OUTPUT, Activation::Relu6, Rounding::Double);
    let fc = FullyConnected::<18, 4>::new(
        core::array::from_fn(|o| {
            let flat = weight[o].as_flattened().as_flattened();
            core::array::from_fn(|i| flat[i])
        }),
        bias,
        stage,
    );
    let (stride, dilation) = ([2, 1], [1, 2]);
    for padding in [Padding::Same, Padding::Valid, Padding::Explicit([2, 1])] {
        let conv = Conv2d::new(weight, bias, stride, dilation, padding, stage);
        let [ho, wo] = conv.output_size([7, 6]);
        let before = [
            padding.before(0, 7, 3, 2, 1, ho),
            padding.before(1, 6, 2, 1, 2, wo),
        ];
        let check = |y: Vec<Vec<[i8; 4]>>| {
            assert_eq!((y.len(), y[0].len()), (ho, wo));
            for (i, row) in y.iter().enumerate() {
                for (j, got) in row.iter().enumerate() {
                    let p = patch(&x, [3, 2], stride, dilation, before, (i, j));
                    assert_eq!(*got, fc.forward(&p), "{padding:?} at {i}, {j}");
                }
            }
        };
        for kernel in KERNELS {
            match padding {
                Padding::Same => {
                    let y: [[[i8; 4]; 6]; 4] = conv.forward_with(&x, kernel);
                    check(y.iter().map(|r| r.to_vec()).collect());
                }
                Padding::Valid => {
                    let y: [[[i8; 4]; 4]; 3] = conv.forward_with(&x, kernel);
                    check(y.iter().map(|r| r.to_vec()).collect());
                }
                // PyTorch's padding: (7 + 4 − 3) / 2 + 1 rows, (6 + 2 − 3) + 1 columns.
                Padding::Explicit(_) => {
                    let y: [[[i8; 4]; 6]; 5] = conv.forward_with(&x, kernel);
                    check(y.iter().map(|r| r.to_vec()).collect());
                }
            }
        }
    }
}

#[test]
fn a_depthwise_convolution_is_a_convolution_with_zeros_across_channels() {
    let mut v = Values(7);
    let x: [[[i8; 2]; 5]; 5] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let weight: [[[i8; 6]; 3]; 3] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let bias = [10, -20, 30, -40, 50, -60];
    let scales = [0.01, 0.02, 0.03, 0.015, 0.025, 0.005];
    let stage = OutputStage::per_channel(INPUT, scales, OUTPUT, Activation::None, Rounding::Double);
    // Output o = c · 3 + m sees input channel c only.
    let full: [[[[i8; 2]; 3]; 3]; 6] = core::array::from_fn(|o| {
        core::array::from_fn(|kh| {
            core::array::from_fn(|kw| {
                core::array::from_fn(|c| if c == o / 3 { weight[kh][kw][o] } else { 0 })
            })
        })
    });
    for (stride, dilation, padding) in [
        ([1, 1], [1, 1], Padding::Same),
        ([2, 1], [1, 2], Padding::Same),
    ] {
        let dw = DepthwiseConv2d::<2, 6, 3, 3>::new(weight, bias, stride, dilation, padding, stage);
        let conv = Conv2d::new(full, bias, stride, dilation, padding, stage);
        assert_eq!(DepthwiseConv2d::<2, 6, 3, 3>::DEPTH_MULTIPLIER, 3);
        if stride == [1, 1] {
            let a: Image<6, 5, 5> = dw.forward(&x);
            assert_eq!(a, conv.forward(&x));
        } else {
            let a: Image<6, 5, 3> = dw.forward(&x);
            assert_eq!(a, conv.forward(&x));
        }
    }
}

/// Every kernel on a pointwise convolution and on one of 3 × 3 taps over 70 channels (longer
/// than a 64-byte block, not a multiple of it), at both ends of the zero point's range: the
/// patches' fully connected layers, kernel for kernel.
#[test]
fn every_kernel_convolves_as_the_patches_multiply() {
    let mut v = Values(11);
    let x: Image<70, 4, 5> = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let weight: [[[[i8; 70]; 3]; 3]; 5] =
        core::array::from_fn(|_| core::array::from_fn(|_| core::array::from_fn(|_| v.array())));
    let pointwise: [[[[i8; 70]; 1]; 1]; 5] = core::array::from_fn(|o| [[weight[o][1][1]]]);
    let bias = [900, -1500, 0, 77, 3];
    let scales = [0.01, 0.002, 0.02, 0.007, 0.001];
    for zero_point in [-128, 127] {
        let input = QuantParams::new(0.04, zero_point);
        let stage =
            OutputStage::per_channel(input, scales, OUTPUT, Activation::None, Rounding::Double);
        let conv = Conv2d::new(weight, bias, [1, 1], [1, 1], Padding::Same, stage);
        let point = Conv2d::new(pointwise, bias, [1, 2], [1, 1], Padding::Valid, stage);
        let want: Image<5, 4, 5> = core::array::from_fn(|i| {
            core::array::from_fn(|j| {
                let mut p = [0i8; 630];
                for kh in 0..3 {
                    for kw in 0..3 {
                        let (r, c) = ((i + kh).wrapping_sub(1), (j + kw).wrapping_sub(1));
                        let tap = x.get(r).and_then(|row| row.get(c));
                        let at = (kh * 3 + kw) * 70;
                        p[at..at + 70].copy_from_slice(tap.unwrap_or(&[zero_point; 70]));
                    }
                }
                let mut acc = bias;
                Kernel::Portable.rows_flat(
                    weight.as_flattened().as_flattened().as_flattened(),
                    &p,
                    -i32::from(zero_point),
                    None,
                    &mut acc,
                );
                core::array::from_fn(|o| stage.finish(o, acc[o]))
            })
        });
        for kernel in KERNELS {
            let y: Image<5, 4, 5> = conv.forward_with(&x, kernel);
            assert_eq!(y, want, "{kernel:?} zero point {zero_point}");
            let y: Image<5, 2, 5> = point.forward_with(&x, kernel);
            let want: Image<5, 2, 5> = core::array::from_fn(|i| {
                core::array::from_fn(|j| {
                    let fc = FullyConnected::new(pointwise.map(|w| w[0][0]), bias, stage);
                    fc.forward_with(&x[i][2 * j], Kernel::Portable)
                })
            });
            assert_eq!(y, want, "{kernel:?} pointwise, zero point {zero_point}");
        }
    }
}

/// A convolution of `IN` channels to `OUT` on every kernel against the portable one, with
/// padding, at both ends of the zero point's range and with random ones.
fn every_kernel_convolves_alike<const IN: usize, const OUT: usize, const K: usize>(seed: u32) {
    let mut v = Values(seed);
    let x: Image<IN, 7, 6> = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let weight: [[[[i8; IN]; K]; K]; OUT] =
        core::array::from_fn(|_| core::array::from_fn(|_| core::array::from_fn(|_| v.array())));
    let bias: [i32; OUT] = core::array::from_fn(|o| (o as i32 - 7) * 1013);
    let scales: [f32; OUT] = core::array::from_fn(|o| 0.001 + 0.0005 * o as f32);
    // The single rounding as well: the double one's stage runs in lanes, fused with the sums.
    let z = v.next();
    for (zero_point, rounding) in [
        (-128, Rounding::Double),
        (127, Rounding::Single),
        (z, Rounding::Double),
    ] {
        let input = QuantParams::new(0.04, zero_point);
        let stage = OutputStage::per_channel(input, scales, OUTPUT, Activation::Relu, rounding);
        for padding in [Padding::Same, Padding::Explicit([1, 2])] {
            let conv = Conv2d::new(weight, bias, [1, 1], [1, 1], padding, stage);
            let [ho, wo] = conv.output_size([6, 7]);
            // Same: 6 × 7; explicit: (6 + 2 − K + 1) × (7 + 4 − K + 1).
            let check = |y: &[[i8; OUT]], kernel: Kernel, want: &[[i8; OUT]]| {
                assert_eq!(
                    y, want,
                    "{kernel:?} {IN}→{OUT} {K}×{K} {padding:?} zp {zero_point}"
                );
            };
            macro_rules! run {
                ($ho:literal, $wo:literal) => {{
                    assert_eq!([ho, wo], [$ho, $wo]);
                    let want: Image<OUT, $wo, $ho> = conv.forward_with(&x, Kernel::Portable);
                    for kernel in KERNELS {
                        let y: Image<OUT, $wo, $ho> = conv.forward_with(&x, kernel);
                        check(y.as_flattened(), kernel, want.as_flattened());
                    }
                }};
            }
            match (padding, K) {
                (Padding::Same, _) => run!(6, 7),
                (_, 1) => run!(8, 11),
                _ => run!(6, 9),
            }
        }
    }
}

/// Output channels in whole and partial groups of four blocks of 16 (the AVX-512 VNNI lanes),
/// patches a multiple of four long or not, pointwise and 3 × 3.
#[test]
fn every_kernel_convolves_many_channels_alike() {
    every_kernel_convolves_alike::<8, 16, 1>(21);
    every_kernel_convolves_alike::<4, 48, 3>(22);
    every_kernel_convolves_alike::<12, 80, 1>(23);
    every_kernel_convolves_alike::<3, 32, 3>(24);
    every_kernel_convolves_alike::<16, 64, 3>(25);
}

/// A convolution of one channel a group (PyTorch's depthwise spelling) is the depthwise one.
#[test]
fn a_grouped_convolution_of_one_channel_a_group_is_depthwise() {
    let mut v = Values(13);
    let x: Image<6, 5, 4> = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let weight: [[[i8; 6]; 3]; 3] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let grouped: [[[[i8; 1]; 3]; 3]; 6] = core::array::from_fn(|o| {
        core::array::from_fn(|kh| core::array::from_fn(|kw| [weight[kh][kw][o]]))
    });
    let bias = [10, -20, 30, -40, 50, -60];
    let scales = [0.01, 0.02, 0.03, 0.015, 0.025, 0.005];
    let stage = OutputStage::per_channel(INPUT, scales, OUTPUT, Activation::None, Rounding::Double);
    let dw = DepthwiseConv2d::<6, 6, 3, 3>::new(weight, bias, [1, 1], [1, 1], Padding::Same, stage);
    let conv = Conv2d::new(grouped, bias, [1, 1], [1, 1], Padding::Same, stage);
    let a: Image<6, 5, 4> = dw.forward(&x);
    assert_eq!(a, conv.forward(&x));
}

/// `forward_into` writes every value of storage holding others, as `forward` computes them.
#[test]
fn layers_write_all_of_their_output_into_the_callers_storage() {
    let mut v = Values(17);
    let x: Image<6, 5, 4> = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let weight: [[[i8; 6]; 3]; 3] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let grouped: [[[[i8; 1]; 3]; 3]; 6] = core::array::from_fn(|o| {
        core::array::from_fn(|kh| core::array::from_fn(|kw| [weight[kh][kw][o]]))
    });
    let point: [[[[i8; 6]; 1]; 1]; 6] = core::array::from_fn(|_| [[v.array()]]);
    let rows: [[i8; 6]; 6] = core::array::from_fn(|_| v.array());
    let bias = [10, -20, 30, -40, 50, -60];
    let scales = [0.01, 0.02, 0.03, 0.015, 0.025, 0.005];
    let stage = OutputStage::per_channel(INPUT, scales, OUTPUT, Activation::None, Rounding::Double);
    let same = (Padding::Same, [1, 1], [1, 1]);
    let dw = DepthwiseConv2d::<6, 6, 3, 3>::new(weight, bias, same.1, same.2, same.0, stage);
    let conv = Conv2d::new(grouped, bias, same.1, same.2, same.0, stage);
    let point = Conv2d::new(point, bias, same.1, same.2, same.0, stage);
    let fc = FullyConnected::new(rows, bias, stage);
    let pad = Pad::<1, 0, 2, 1> { quant: INPUT };
    for fill in [0x55, -0x56] {
        let mut y: Image<6, 5, 4> = [[[fill; 6]; 5]; 4];
        dw.forward_into(&x, &mut y);
        assert_eq!(y, dw.forward(&x));
        y = [[[fill; 6]; 5]; 4];
        conv.forward_into(&x, &mut y);
        assert_eq!(y, conv.forward(&x));
        y = [[[fill; 6]; 5]; 4];
        point.forward_into(&x, &mut y);
        assert_eq!(y, point.forward(&x));
        let mut z = [fill; 6];
        fc.forward_into(&x[1][2], &mut z);
        assert_eq!(z, fc.forward(&x[1][2]));
        let mut padded: Image<6, 6, 7> = [[[fill; 6]; 6]; 7];
        pad.forward_into(&x, &mut padded);
        assert_eq!(padded, pad.forward(&x));
    }
}

#[test]
fn pooling_reduces_the_windows_inside_the_input() {
    let mut v = Values(3);
    let x: [[[i8; 2]; 5]; 5] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let quant = QuantParams::new(0.1, -10);
    let pool = Pool2d::new([3, 3], [2, 2], Padding::Same, Activation::Relu, quant);
    assert_eq!(pool.output_size([5, 5]), [3, 3]);
    let max: [[[i8; 2]; 3]; 3] = MaxPool2d(pool).forward(&x);
    let avg: [[[i8; 2]; 3]; 3] = AvgPool2d(pool).forward(&x);
    // SAME pads 1 before: window i covers rows 2i − 1 ..= 2i + 1 inside 0..5.
    for i in 0..3usize {
        for j in 0..3usize {
            for c in 0..2 {
                let rows = (2 * i).saturating_sub(1)..(2 * i + 2).min(5);
                let cols = (2 * j).saturating_sub(1)..(2 * j + 2).min(5);
                let values: Vec<i32> = rows
                    .flat_map(|r| cols.clone().map(move |col| (r, col)))
                    .map(|(r, col)| x[r][col][c] as i32)
                    .collect();
                let want_max = *values.iter().max().unwrap();
                let mean = values.iter().sum::<i32>() as f64 / values.len() as f64;
                let want_avg = (mean.abs() + 0.5).floor().copysign(mean) as i32;
                assert_eq!(
                    max[i][j][c] as i32,
                    want_max.max(-10),
                    "max at {i}, {j}, {c}"
                );
                assert_eq!(
                    avg[i][j][c] as i32,
                    want_avg.max(-10),
                    "avg at {i}, {j}, {c}"
                );
            }
        }
    }
}
