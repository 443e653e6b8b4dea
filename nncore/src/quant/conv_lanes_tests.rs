//! The convolutions with their output channels in lanes, four output positions at a time
//! (`conv_lanes.rs` on AVX-512 VNNI, eight there for at most 32 channels and sixteen for at
//! most 16; `conv_pairs.rs` on AVX2), against each output position's
//! patch through the portable fully connected layer: output channels in whole and partial
//! blocks of sixteen (and eight) and in more than one group of blocks; inputs a multiple of
//! four long and not; positions a multiple of the block and not, some of them in the padding;
//! strides and a dilation; zero points at both ends of their range and between; both
//! fixed-point roundings (the double one's stage in lanes, the single one's the layer's). The
//! layer's paths are called directly, and must run where the CPU has their instructions.

extern crate std;

use super::conv::Window;
use super::tests::Values;
use super::*;

/// The zero points, roundings and activations each case runs with: both ends of the range
/// (`−128` leaves the correction of the unsigned inputs 0, `127` makes it largest) and one
/// between; a ReLU (the stage in lanes' faster form) and a ReLU6 (with the single rounding, the
/// layer's own stage).
const STAGES: [(i8, Rounding, Activation); 5] = [
    (-128, Rounding::Double, Activation::None),
    (127, Rounding::Double, Activation::None),
    (-5, Rounding::Double, Activation::None),
    (-5, Rounding::Double, Activation::Relu),
    (40, Rounding::Single, Activation::Relu6),
];

/// One layer of `KH × KW` taps over `IN` channels to `OUT` on an `H × W` input (`K = KH · KW ·
/// IN`), giving `HO × WO`, on the path in lanes, against each position's patch.
fn check<
    const IN: usize,
    const OUT: usize,
    const KH: usize,
    const KW: usize,
    const K: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
>(
    seed: u32,
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
) {
    assert_eq!(K, KH * KW * IN);
    let mut v = Values(seed);
    let x: [[[i8; IN]; W]; H] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
    let weight: [[[[i8; IN]; KW]; KH]; OUT] =
        core::array::from_fn(|_| core::array::from_fn(|_| core::array::from_fn(|_| v.array())));
    // Biases of both signs, two of them near the ends of int32, where the sums wrap.
    let bias: [i32; OUT] = core::array::from_fn(|o| match o % 7 {
        3 => i32::MAX - 20_000,
        5 => i32::MIN + 20_000,
        _ => (o as i32 - 9) * 1013,
    });
    let scales: [f32; OUT] = core::array::from_fn(|o| 0.0004 + 0.0003 * (o % 11) as f32);
    for (zero_point, rounding, activation) in STAGES {
        let input = QuantParams::new(0.04, zero_point);
        let output = QuantParams::new(0.05, (zero_point / 3).wrapping_add(7));
        let stage = OutputStage::per_channel(input, scales, output, activation, rounding);
        let conv = Conv2d::new(weight, bias, stride, dilation, padding, stage);
        assert_eq!(conv.output_size([H, W]), [HO, WO], "the case's output size");
        let window = Window::new(padding, [H, W], [KH, KW], stride, dilation, [HO, WO]);
        let fc = FullyConnected::<K, OUT>::new(
            weight.map(|w| core::array::from_fn(|i| w.as_flattened().as_flattened()[i])),
            bias,
            stage,
        );
        let mut paths = std::vec::Vec::new();
        #[cfg(nncore_avx512)]
        if crate::quant::kernel::avx512_vnni_available() {
            let mut y = [[[0x55i8; OUT]; WO]; HO];
            let ran = conv.patches_in_lanes(&x, &window, Kernel::Avx512Vnni, None, &mut y);
            assert!(ran, "the layer runs in AVX-512 lanes on this CPU");
            paths.push(("AVX-512 VNNI", y));
            // And on AMX tiles where the CPU has them.
            if let Some(amx) = crate::quant::kernel::Amx::detect() {
                let mut y = [[[0x55i8; OUT]; WO]; HO];
                let ran = conv.patches_in_lanes(&x, &window, Kernel::Avx512Vnni, Some(amx), &mut y);
                assert!(ran, "the layer runs on AMX tiles on this CPU");
                paths.push(("AMX", y));
            }
        }
        if crate::quant::kernel::avx2_available() {
            let mut y = [[[0x55i8; OUT]; WO]; HO];
            let ran = conv.patches_in_pairs(&x, &window, Kernel::Avx2, &mut y);
            assert!(ran, "the layer runs in AVX2 lanes on this CPU");
            paths.push(("AVX2", y));
        }
        let mut inside = 0;
        for (path, y) in &paths {
            for (i, row) in y.iter().enumerate() {
                for (j, got) in row.iter().enumerate() {
                    let mut patch = [zero_point; K];
                    for kh in 0..KH {
                        for kw in 0..KW {
                            let r =
                                (i * stride[0] + kh * dilation[0]).checked_sub(window.before[0]);
                            let c =
                                (j * stride[1] + kw * dilation[1]).checked_sub(window.before[1]);
                            if let Some(tap) = r.and_then(|r| x.get(r)?.get(c?)) {
                                let at = (kh * KW + kw) * IN;
                                patch[at..at + IN].copy_from_slice(tap);
                                inside += 1;
                            }
                        }
                    }
                    let want = fc.forward_with(&patch, Kernel::Portable);
                    assert_eq!(
                        got, &want,
                        "{path}: {IN}→{OUT} {KH}×{KW} {stride:?} {padding:?} zp {zero_point} \
                         {rounding:?} at {i}, {j}"
                    );
                }
            }
        }
        // The case reads the input (not only its padding), where this build runs a path in
        // lanes (without `std` it detects none).
        assert!(paths.is_empty() || inside > 0);
    }
}

#[test]
fn pointwise_convolutions_in_lanes_are_the_patches_products() {
    let (one, valid) = ([1, 1], Padding::Valid);
    // 35 positions (three past the last whole block); one partial block of channels; inputs
    // of 3 and 13 (a partial group of four).
    check::<3, 5, 1, 1, 3, 7, 5, 7, 5>(1, one, one, valid);
    check::<13, 20, 1, 1, 13, 7, 5, 7, 5>(2, one, one, valid);
    // Three and four whole blocks, the DS-CNN's 64 → 64; seven blocks (four, then three), the
    // last partial.
    check::<8, 48, 1, 1, 8, 7, 5, 7, 5>(3, one, one, valid);
    check::<64, 64, 1, 1, 64, 7, 5, 7, 5>(4, one, one, valid);
    check::<16, 100, 1, 1, 16, 7, 5, 7, 5>(5, one, one, valid);
    // Padding around a 1 × 1 kernel: 9 × 9 = 81 positions, 46 of them in the padding.
    check::<13, 33, 1, 1, 13, 7, 5, 9, 9>(6, one, one, Padding::Explicit([1, 2]));
    // Strides: 4 × 2 = 8 positions (whole blocks); 5 × 5 = 25 with a padded row.
    check::<12, 24, 1, 1, 12, 7, 5, 4, 2>(7, [2, 3], one, Padding::Same);
    check::<6, 17, 1, 1, 6, 7, 5, 5, 5>(8, [2, 1], one, Padding::Explicit([1, 0]));
    // Fewer positions than a block; for narrow layers more than four, fewer than eight.
    check::<64, 64, 1, 1, 64, 1, 3, 1, 3>(9, one, one, valid);
    check::<20, 32, 1, 1, 20, 2, 3, 2, 3>(10, one, one, valid);
    check::<20, 16, 1, 1, 20, 2, 5, 2, 5>(13, one, one, valid);
}

#[test]
fn convolutions_of_several_taps_in_lanes_are_the_patches_products() {
    let one = [1, 1];
    // 3 × 3 over 5 channels (45 inputs a patch), 7 × 5 positions with `SAME` padding.
    check::<5, 20, 3, 3, 45, 7, 5, 7, 5>(11, one, one, Padding::Same);
    // Strided and dilated: 2 × 3 taps, dilation [2, 1], stride [2, 2], explicit padding.
    check::<4, 70, 2, 3, 24, 7, 5, 4, 2>(12, [2, 2], [2, 1], Padding::Explicit([1, 0]));
    // At most sixteen channels, sixteen positions a block: 35 positions with `SAME` padding,
    // and 4 × 3 = 12 (fewer than a block) strided.
    check::<4, 16, 3, 3, 36, 7, 5, 7, 5>(14, one, one, Padding::Same);
    check::<5, 12, 3, 3, 45, 7, 5, 4, 3>(15, [2, 2], one, Padding::Same);
    // MobileNet's first layer: 3 → 8 channels, 3 × 3 at a stride of 2 without padding, 6 × 7
    // positions (blocks of sixteen across output rows, the last partial).
    check::<3, 8, 3, 3, 27, 13, 15, 6, 7>(16, [2, 2], one, Padding::Valid);
    // Whole blocks inside one output row and inside the input (each row of taps one run),
    // beside blocks across rows and blocks reaching the padding.
    check::<3, 8, 3, 3, 27, 5, 37, 2, 18>(17, [2, 2], one, Padding::Valid);
    check::<4, 16, 3, 3, 36, 3, 40, 3, 40>(18, one, one, Padding::Explicit([1, 1]));
}

#[test]
fn convolutions_reading_rows_of_taps_in_place_are_the_patches_products() {
    let one = [1, 1];
    // ResNet-8's first stack: blocks of sixteen positions, two an output row, every row of
    // taps 48 bytes of the padded input.
    check::<16, 16, 3, 3, 144, 4, 32, 4, 32>(19, one, one, Padding::Same);
    // Its stride-2 layers: padding after the input only, eight positions a block.
    check::<16, 32, 3, 3, 144, 8, 8, 4, 4>(20, [2, 2], one, Padding::Same);
    check::<32, 64, 3, 3, 288, 6, 6, 3, 3>(21, [2, 2], one, Padding::Same);
    // The DS-CNN's first layer: one input channel, 10 × 4 taps at a stride of 2, blocks of four
    // across output rows of three, the last block partial.
    check::<1, 64, 10, 4, 40, 13, 6, 7, 3>(22, [2, 2], one, Padding::Same);
    // A padded input past the room: the patches copied.
    check::<64, 16, 1, 1, 64, 24, 24, 24, 24>(23, one, one, Padding::Valid);
}

#[test]
fn convolutions_grouping_blocks_of_positions_are_the_patches_products() {
    let one = [1, 1];
    // On AMX tiles a layer of one block of channels takes up to four blocks of positions
    // together: three (35 positions in one line, the last block moved back), two (one output
    // row of 20), and four then one (five output rows of ten, a stride of 2 across).
    check::<16, 16, 1, 1, 16, 5, 7, 5, 7>(24, one, one, Padding::Valid);
    check::<8, 8, 3, 3, 72, 1, 20, 1, 20>(25, one, one, Padding::Same);
    check::<8, 12, 3, 3, 72, 5, 20, 5, 10>(26, [1, 2], one, Padding::Same);
}
