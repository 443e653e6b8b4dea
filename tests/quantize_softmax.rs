//! `quantize` on a classifier that ends in `Softmax`: TensorFlow Lite's int8 `SOFTMAX`, its input
//! calibrated like the converter's and its output fixed at scale 1/256, zero point −128; from the
//! float weights of a Keras model (`tests/tflite/ptq_softmax_int8`), the probabilities the
//! converter's model gives in TensorFlow Lite's interpreter.

#[path = "tflite/case.rs"]
mod case;

use nncore::data::read_csv;
use nncore::quant::{FullyConnected, Int8Layer, Rounding, SOFTMAX_OUTPUT};

nncore::sequential! {
    struct Classifier { fc1: Linear(64, 32), act: ReLU, fc2: Linear(32, 10), probs: Softmax(dim = 1) }
}

/// The digits, scaled to [0, 1].
fn digits() -> Vec<[f32; 64]> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let rows = read_csv::<65>(path, true).unwrap();
    rows.iter()
        .map(|r| std::array::from_fn(|i| r[i] / 16.0))
        .collect()
}

/// Float parameter `name` of the case, row by row.
fn floats(case: &case::Case, name: &str) -> Vec<Vec<f32>> {
    let v = &case.float_weights[name];
    let row = |r: &serde_json::Value| -> Vec<f32> {
        let values = r.as_array().unwrap().iter();
        values.map(|x| x.as_f64().unwrap() as f32).collect()
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
fn a_softmax_head_quantizes_as_tensorflow_lite_converts_it() {
    let case = case::Case::load("ptq_softmax_int8");
    let model = Classifier {
        fc1: linear(&case, "fc1"),
        act: nncore::ReLU,
        fc2: linear(&case, "fc2"),
        probs: nncore::Softmax::new(1),
    };
    let [start, end] = case.calibration_rows.unwrap();
    let xs = digits();
    let int8 = model.quantize(&xs[start..end]).unwrap();
    // The logits' quantization is the converter's, up to the last bits of the scale (the float
    // sums run in another order); the probabilities' is fixed.
    let logits = case.quant(case.op(2, "SOFTMAX").inputs[0]);
    let ours = int8.probs.input_params();
    assert_eq!(ours.zero_point, logits.zero_point);
    assert!(
        (ours.scale / logits.scale - 1.0).abs() < 1e-5,
        "{ours:?} {logits:?}"
    );
    assert_eq!(int8.probs.output_params(), SOFTMAX_OUTPUT);
    assert_eq!(int8.output_params(), SOFTMAX_OUTPUT);
    // The interpreter rescales FULLY_CONNECTED once; `quantize` follows TensorFlow Lite Micro
    // (twice): with the interpreter's rounding and scales, the probabilities are its own.
    let mut exact = int8.clone();
    exact.fc1 = float_rounding(exact.fc1);
    exact.fc2 = float_rounding(exact.fc2);
    let mut wrong = 0;
    for (x, want) in case.samples.input.iter().zip(&case.samples.output) {
        let got = exact.forward(x.as_slice().try_into().unwrap());
        wrong += got.iter().zip(want).filter(|(a, b)| a != b).count();
    }
    println!(
        "{wrong} of {} probabilities differ",
        10 * case.samples.input.len()
    );
    assert_eq!(wrong, 0);
}

/// The layer with the interpreter's rounding.
fn float_rounding<const I: usize, const O: usize>(
    fc: FullyConnected<I, O>,
) -> FullyConnected<I, O> {
    let (weight, bias, mut stage) = fc.into_parts();
    stage.rounding = Rounding::Float;
    FullyConnected::new(weight, bias, stage)
}
