//! The board's memory map for `cortex-m-rt` (`NN_BOARD`: `mps2`, the default, or `microbit`),
//! and for the anomaly workloads the autoencoder's constants, read from MLPerf Tiny's int8
//! `.tflite` (`tests/tflite/mlperf_tiny_ad_int8`): its int8 layers as they are, and a float
//! twin with the int8 weights and biases dequantized; for `kws-int8` the keyword-spotting
//! DS-CNN with weights drawn from a seeded generator, quantized on calibration inputs.

use std::env;
use std::fs;
use std::path::PathBuf;

use nncore::Linear;
use nncore::quant::tflite::{Model, OpKind};
use nncore::quant::{FullyConnected, OutputStage, QuantParams, Relu, Rounding};

#[allow(dead_code)]
mod autoencoder {
    include!("src/autoencoder.rs");
}
use autoencoder::{Deployed, DeployedInt8};

#[allow(dead_code)]
mod kws {
    include!("src/kws.rs");
}

const TFLITE: &str = "../tests/tflite/mlperf_tiny_ad_int8/model.tflite";

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=NN_BOARD");
    println!("cargo:rerun-if-changed=memory");
    if env::var("TARGET").unwrap().starts_with("thumb") {
        let board = env::var("NN_BOARD").unwrap_or_else(|_| "mps2".into());
        let memory = fs::read(format!("memory/{board}.x"))
            .unwrap_or_else(|e| panic!("NN_BOARD={board}: no memory/{board}.x ({e})"));
        fs::write(out.join("memory.x"), memory).unwrap();
        println!("cargo:rustc-link-search={}", out.display());
        println!("cargo:rustc-link-arg-bins=-Tlink.x");
    }
    let feature = |name: &str| env::var_os(format!("CARGO_FEATURE_{name}")).is_some();
    // The workloads of MLPerf Tiny's official files (`src/official.rs`).
    println!("cargo::rustc-check-cfg=cfg(official)");
    let official = [
        "AD01_TFLITE",
        "KWS_TFLITE",
        "MICROFLOW_AD01",
        "MICROFLOW_KWS",
    ];
    if official.iter().any(|f| feature(f)) {
        println!("cargo::rustc-cfg=official");
    }
    let rounding = if feature("ANOMALY_INT8") {
        Some(Rounding::Float)
    } else if feature("ANOMALY_INT8_TFLM") {
        Some(Rounding::Double)
    } else {
        None
    };
    if feature("KWS_INT8") {
        fs::write(out.join("kws.rs"), kws_int8()).unwrap();
    }
    if rounding.is_none() && !feature("ANOMALY_F32") {
        return;
    }
    println!("cargo:rerun-if-changed={TFLITE}");
    let bytes = fs::read(TFLITE).unwrap();
    // The layers are large: build them on a thread with room for them.
    let source = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let model = Model::parse(&bytes).unwrap();
            match rounding {
                Some(r) => {
                    let int8 = anomaly_int8(&model, r);
                    nncore::export::rust_const_int8(&int8, "DeployedInt8", "ANOMALY")
                }
                None => {
                    let float = dequantized(&anomaly_int8(&model, Rounding::Double));
                    nncore::export::rust_const(&float, "Deployed", "ANOMALY")
                }
            }
        })
        .unwrap()
        .join()
        .unwrap();
    fs::write(out.join("anomaly.rs"), source).unwrap();
}

/// A tensor's (first) scale and zero point.
fn params(model: &Model, tensor: i32) -> QuantParams {
    let t = model.tensor(tensor as usize).unwrap();
    QuantParams::new(
        t.scales.get(0).unwrap(),
        t.zero_points.get(0).unwrap() as i8,
    )
}

/// The `FULLY_CONNECTED` op `index`.
fn fc<const IN: usize, const OUT: usize>(
    model: &Model,
    index: usize,
    rounding: Rounding,
) -> FullyConnected<IN, OUT> {
    let op = model.operator(index).unwrap();
    let OpKind::FullyConnected { activation } = op.kind else {
        panic!("op {index} is not FULLY_CONNECTED");
    };
    let (x, w, b, y) = (
        op.inputs.get(0).unwrap(),
        op.inputs.get(1).unwrap(),
        op.inputs.get(2).unwrap(),
        op.outputs.get(0).unwrap(),
    );
    let weights = model.tensor(w as usize).unwrap();
    let values: Vec<i8> = weights.i8_data().collect();
    assert_eq!(values.len(), IN * OUT, "op {index}: weights");
    let bias: Vec<i32> = model.tensor(b as usize).unwrap().i32_data().collect();
    let scales: Vec<f32> = weights.scales.iter().collect();
    let (input, output) = (params(model, x), params(model, y));
    let stage = if scales.len() == 1 {
        OutputStage::per_tensor(input, scales[0], output, activation, rounding)
    } else {
        let scales = scales.try_into().unwrap();
        OutputStage::per_channel(input, scales, output, activation, rounding)
    };
    FullyConnected::new(
        std::array::from_fn(|o| std::array::from_fn(|i| values[o * IN + i])),
        bias.try_into().unwrap(),
        stage,
    )
}

/// The ten `FULLY_CONNECTED` ops, each ReLU a clamp at its input's zero point.
fn anomaly_int8(model: &Model, r: Rounding) -> DeployedInt8 {
    let relu = |k: usize| {
        let op = model.operator(k).unwrap();
        Relu {
            quant: params(model, op.outputs.get(0).unwrap()),
        }
    };
    DeployedInt8 {
        fc1: fc(model, 0, r),
        relu1: relu(0),
        fc2: fc(model, 1, r),
        relu2: relu(1),
        fc3: fc(model, 2, r),
        relu3: relu(2),
        fc4: fc(model, 3, r),
        relu4: relu(3),
        fc5: fc(model, 4, r),
        relu5: relu(4),
        fc6: fc(model, 5, r),
        relu6: relu(5),
        fc7: fc(model, 6, r),
        relu7: relu(6),
        fc8: fc(model, 7, r),
        relu8: relu(7),
        fc9: fc(model, 8, r),
        relu9: relu(8),
        out: fc(model, 9, r),
    }
}

/// `weight · weight_scale` and `bias · input_scale · weight_scale`, in `f32`.
fn linear<const IN: usize, const OUT: usize>(q: &FullyConnected<IN, OUT>) -> Linear<IN, OUT> {
    let s = q.stage();
    Linear {
        weight: std::array::from_fn(|o| q.weight()[o].map(|w| w as f32 * s.weight_scale[o])),
        bias: std::array::from_fn(|o| q.bias()[o] as f32 * s.input.scale * s.weight_scale[o]),
    }
}

/// The float autoencoder the int8 one approximates.
fn dequantized(q: &DeployedInt8) -> Deployed {
    let mut m = Deployed::ZERO;
    m.fc1 = linear(&q.fc1);
    m.fc2 = linear(&q.fc2);
    m.fc3 = linear(&q.fc3);
    m.fc4 = linear(&q.fc4);
    m.fc5 = linear(&q.fc5);
    m.fc6 = linear(&q.fc6);
    m.fc7 = linear(&q.fc7);
    m.fc8 = linear(&q.fc8);
    m.fc9 = linear(&q.fc9);
    m.out = linear(&q.out);
    m
}

/// The DS-CNN's int8 source: weights drawn with seed 0, calibrated on 16 drawn inputs.
fn kws_int8() -> String {
    use rand::{RngExt, SeedableRng};
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(0);
            let model = kws::Kws::init(&mut rng);
            let samples: Vec<[[[f32; 10]; 49]; 1]> = (0..16)
                .map(|_| {
                    [core::array::from_fn(|_| {
                        core::array::from_fn(|_| rng.random_range(-1.0..1.0))
                    })]
                })
                .collect();
            let int8 = model.quantize(&samples).unwrap();
            nncore::export::rust_const_int8(&int8, "KwsInt8", "KWS")
        })
        .unwrap()
        .join()
        .unwrap()
}
