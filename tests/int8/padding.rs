//! Zero padding in int8 (the zero point, wherever it stands), ReLU6 fused or on its own, and the
//! hard activations as tables.

use nncore::prelude::*;
use nncore::quant::{Activation, Int8Sample, QuantLayer};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::samples;

nncore::sequential! {
    #[input(2, 5, 5)]
    struct HardNet {
        conv: Conv2d(2, 4, 3),              // 4×3×3
        act: ReLU6,
        pad: ZeroPad2d((1, 0, 1, 2)),       // 4×6×4
        depthwise: Conv2d(4, 4, 3, groups = 4), // 4×4×2
        hswish: Hardswish,
        clamp: ReLU6,
        flat: Flatten,
        fc: Linear(32, 3),
        gate: Hardsigmoid,
    }
}

nncore::sequential! {
    #[input(2, 6)]
    struct PadFirst(ZeroPad1d((1, 2)), Conv1d(2, 3, 3), ReLU6, Flatten, Linear(21, 2));
}

#[test]
fn relu6_fuses_padding_takes_the_zero_point_and_hard_activations_are_tables() {
    let mut rng = StdRng::seed_from_u64(6);
    let model = HardNet::init(&mut rng);
    let xs: Vec<[[[f32; 5]; 5]; 2]> = samples(&mut rng, 300);
    let int8 = model.quantize(&xs[..200]).unwrap();
    // ReLU6 after a convolution is its fused activation, as TensorFlow Lite's converter fuses it.
    let conv_out = int8.conv.stage.output;
    assert_eq!(int8.conv.stage.clamp, Activation::Relu6.range(conv_out));
    assert_eq!((int8.act.quant, int8.pad.quant), (conv_out, conv_out));
    // The padding is the zero point: real 0.
    let q = <[[[i8; 2]; 5]; 5]>::quantize(&xs[0], int8.input_params());
    let conv: [[[i8; 4]; 3]; 3] = int8.conv.forward(&q);
    let padded: [[[i8; 4]; 4]; 6] = int8.pad.forward(&conv);
    assert_eq!(padded[1][1..], conv[0]);
    for (r, c) in [(0, 0), (0, 3), (1, 0), (4, 2), (5, 3)] {
        assert_eq!(padded[r][c], [conv_out.zero_point; 4], "({r}, {c})");
    }
    // Hardswish's table, then a ReLU6 on its own clamps at the int8 values of 0 and 6.
    let table = &int8.hswish;
    for q in [-128i8, -60, 0, 60, 127] {
        let want = table
            .output
            .quantize(nncore::Hardswish.forward(&[table.input.dequantize(q)])[0]);
        assert!((table.get(q) as i32 - want as i32).abs() <= 1, "{q}");
    }
    assert_eq!(int8.clamp.quant, table.output);
    let [lo, hi] = Activation::Relu6.range(table.output);
    let clamped: [i8; 4] = int8.clamp.forward(&[-128, lo, hi, 127]);
    assert_eq!(clamped, [lo, lo, hi, hi]);
    // Hardsigmoid's output is calibrated on its range, within [0, 1].
    assert!(int8.gate.output.dequantize(127) <= 1.01);

    let out = int8.output_params();
    let mut worst = 0.0f32;
    for x in &xs[200..] {
        for (g, w) in int8.forward_f32(x).iter().zip(model.forward(x)) {
            worst = worst.max((g - w).abs() / out.scale);
        }
    }
    println!("worst error {worst:.2} output steps");
    // Measured: 1.6 steps.
    assert!(worst < 4.0, "worst error {worst} output steps");
    assert_eq!(
        HardNetInt8::WEIGHT_BYTES,
        (4 * 3 * 3 * 2 + 16) + (4 * 3 * 3 + 16) + 256 + (32 * 3 + 12) + 256
    );

    // The exported source names the int8 layers, and the padding's form compiles.
    let source = nncore::export::rust_const_int8(&int8, "HardNetInt8", "HARD");
    assert!(source.contains("pad: ::nncore::quant::Pad {"));
    assert!(source.contains("clamp: ::nncore::quant::Relu6 {"));
    let pad: nncore::quant::Pad<1, 0, 1, 2> = ::nncore::quant::Pad { quant: conv_out };
    assert_eq!(pad, int8.pad);
}

#[test]
fn a_sequence_padded_first_is_quantized_as_the_input() {
    let mut rng = StdRng::seed_from_u64(7);
    let model = PadFirst::init(&mut rng);
    let xs: Vec<[[f32; 6]; 2]> = samples(&mut rng, 50);
    let int8 = model.quantize(&xs).unwrap();
    let input = int8.input_params();
    assert_eq!(int8.0.quant, input);
    let q = <[[i8; 2]; 6]>::quantize(&xs[0], input);
    let padded: [[i8; 2]; 9] = int8.0.forward(&q);
    assert_eq!(
        (padded[0], padded[7], padded[8]),
        (
            [input.zero_point; 2],
            [input.zero_point; 2],
            [input.zero_point; 2]
        )
    );
    assert_eq!(padded[1..7], q);
    // The ReLU6 after the convolution is fused into it.
    assert_eq!(
        int8.1.0.stage.clamp,
        Activation::Relu6.range(int8.1.0.stage.output)
    );
}
