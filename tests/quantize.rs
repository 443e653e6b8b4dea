//! Post-training quantization of a trained float MLP: calibrated on its training images, the int8
//! model's outputs dequantize close to the float model's and pick the same classes; and from the
//! float weights of a Keras model, the int8 weights, biases and scales TensorFlow Lite's
//! converter made (`tests/tflite/ptq_mlp_int8`).

#[path = "tflite/case.rs"]
mod case;

use nncore::data::{DataLoader, read_csv};
use nncore::prelude::*;
use nncore::quant::ptq::{MinMax, quantize_linear};
use nncore::quant::{Activation, FullyConnected, QuantParams, Rounding};
use nncore::{Adam, AdamConfig, CrossEntropyLoss, Grads};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    struct DigitNet { fc1: Linear(64, 32), act: ReLU, fc2: Linear(32, 10) }
}

/// The digits, scaled to [0, 1], and their classes.
fn digits() -> (Vec<[f32; 64]>, Vec<usize>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let rows = read_csv::<65>(path, true).unwrap();
    let xs = rows
        .iter()
        .map(|r| std::array::from_fn(|i| r[i] / 16.0))
        .collect();
    let ys = rows.iter().map(|r| r[64] as usize).collect();
    (xs, ys)
}

fn trained(xs: &[[f32; 64]], ys: &[usize]) -> DigitNet {
    let mut rng = StdRng::seed_from_u64(5);
    let mut model = DigitNet::init(&mut rng);
    let mut opt = Adam::new(AdamConfig {
        lr: 3e-3,
        ..Default::default()
    })
    .unwrap();
    let mut grads = Grads::<DigitNet>::new();
    let mut loader = DataLoader::new(xs, ys, 32).unwrap();
    for _ in 0..4 {
        let mut epoch = loader.epoch(&mut rng);
        while let Some((bx, by)) = epoch.next_batch() {
            grads.zero_grad();
            model
                .backward_loss(&CrossEntropyLoss::new(), bx, by, &mut grads)
                .unwrap();
            opt.step(&mut model, &grads);
        }
    }
    model
}

fn argmax<T: PartialOrd + Copy>(v: &[T]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

/// The quantized model, its three tensors' parameters, and its int8 forward pass.
struct Int8Net {
    input: QuantParams,
    fc1: FullyConnected<64, 32>,
    fc2: FullyConnected<32, 10>,
}

impl Int8Net {
    fn forward(&self, x: &[f32; 64]) -> [i8; 10] {
        let q = x.map(|v| self.input.quantize(v));
        self.fc2.forward(&self.fc1.forward(&q))
    }
}

/// Calibrates each tensor's range on `xs` (min/max) and quantizes both layers.
fn quantize(model: &DigitNet, xs: &[[f32; 64]], rounding: Rounding) -> Int8Net {
    let [mut input, mut hidden, mut output] = [MinMax::new(); 3];
    for x in xs {
        let h = model.act.forward(&model.fc1.forward(x));
        input.observe(x).unwrap();
        hidden.observe(&h).unwrap();
        output.observe(&model.fc2.forward(&h)).unwrap();
    }
    let [input, hidden, output] = [input, hidden, output].map(|m| m.params().unwrap());
    Int8Net {
        input,
        fc1: quantize_linear(&model.fc1, input, hidden, Activation::Relu, rounding).unwrap(),
        fc2: quantize_linear(&model.fc2, hidden, output, Activation::None, rounding).unwrap(),
    }
}

#[test]
fn a_quantized_mlp_computes_what_the_float_one_does() {
    let (xs, ys) = digits();
    let (train, test) = xs.split_at(1437);
    let model = trained(train, &ys[..1437]);
    let int8 = quantize(&model, train, Rounding::Float);
    // The input [0, 1] is quantized as TensorFlow Lite's converter does: 1/255, zero point -128.
    assert_eq!(int8.input, QuantParams::new(1.0 / 255.0, -128));
    let out = int8.fc2.stage().output;
    let (mut worst, mut same_class) = (0.0f32, 0);
    for x in test {
        let want = model.forward(x);
        let got = int8.forward(x).map(|q| out.dequantize(q));
        for (g, w) in got.iter().zip(&want) {
            worst = worst.max((g - w).abs() / out.scale);
        }
        same_class += usize::from(argmax(&got) == argmax(&want));
    }
    let agreement = same_class as f32 / test.len() as f32;
    println!("worst error {worst:.2} output steps, classes agree on {agreement:.3}");
    // Measured: 1.13 steps, 99.7% (`cargo test --test quantize -- --nocapture`).
    assert!(worst < 2.0, "worst error {worst} output steps");
    assert!(agreement > 0.98, "classes agree on {agreement}");
}

/// A `[out, in]` matrix or a vector of `case.float_weights`.
fn floats(case: &case::Case, name: &str) -> Vec<Vec<f32>> {
    let v = &case.float_weights[name];
    let row = |r: &serde_json::Value| -> Vec<f32> {
        r.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    match v.as_array().unwrap().first() {
        Some(serde_json::Value::Array(_)) => v.as_array().unwrap().iter().map(row).collect(),
        _ => vec![row(v)],
    }
}

fn linear<const IN: usize, const OUT: usize>(
    case: &case::Case,
    name: &str,
) -> nncore::Linear<IN, OUT> {
    let w = floats(case, &format!("{name}.weight"));
    let b = floats(case, &format!("{name}.bias"));
    nncore::Linear {
        weight: std::array::from_fn(|o| w[o].clone().try_into().unwrap()),
        bias: b[0].clone().try_into().unwrap(),
    }
}

#[test]
fn weights_and_biases_are_quantized_as_tensorflow_lite_does() {
    let case = case::Case::load("ptq_mlp_int8");
    let (op1, op2) = (&case.ops[0], &case.ops[1]);
    let (input, hidden) = (case.quant(op1.inputs[0]), case.quant(op1.outputs[0]));
    let output = case.quant(op2.outputs[0]);
    let fc1 = quantize_linear(
        &linear::<64, 32>(&case, "fc1"),
        input,
        hidden,
        Activation::Relu,
        Rounding::Float,
    )
    .unwrap();
    let fc2 = quantize_linear(
        &linear::<32, 10>(&case, "fc2"),
        hidden,
        output,
        Activation::None,
        Rounding::Float,
    )
    .unwrap();
    for (op, weight, bias, scales) in [
        (
            op1,
            fc1.weight().as_flattened(),
            &fc1.bias()[..],
            &fc1.stage().weight_scale[..],
        ),
        (
            op2,
            fc2.weight().as_flattened(),
            &fc2.bias()[..],
            &fc2.stage().weight_scale[..],
        ),
    ] {
        let shape = case.tensor(op.inputs[1]).shape.clone();
        assert_eq!(
            weight,
            case.data::<i8>(op.inputs[1], &shape),
            "weights of tensor {}",
            op.inputs[1]
        );
        assert_eq!(scales, case.scales(op.inputs[1]), "weight scales");
        assert_eq!(
            bias,
            case.data::<i32>(op.inputs[2], &[shape[0]]),
            "biases of tensor {}",
            op.inputs[2]
        );
    }
    // The calibration on the converter's rows gives its activation parameters; the float forward
    // pass sums in another order than TensorFlow's, so the ranges may differ in the last bits.
    let [start, end] = case.calibration_rows.unwrap();
    let model = DigitNet {
        fc1: linear(&case, "fc1"),
        act: nncore::ReLU,
        fc2: linear(&case, "fc2"),
    };
    let int8 = quantize(&model, &digits().0[start..end], Rounding::Float);
    assert_eq!(int8.input, input);
    for (ours, theirs) in [
        (int8.fc1.stage().output, hidden),
        (int8.fc2.stage().output, output),
    ] {
        assert_eq!(ours.zero_point, theirs.zero_point);
        assert!(
            (ours.scale / theirs.scale - 1.0).abs() < 1e-5,
            "{ours:?} against {theirs:?}"
        );
    }
}
