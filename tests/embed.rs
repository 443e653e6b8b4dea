//! The trained temperature model in its three forms agree bit for bit: the safetensors file,
//! its exported source in the `no_std` crate, and the model loaded at run time. The int8 digits
//! model the `no_std` crate holds is the quantized form of the committed float weights.

use nncore::prelude::*;

nncore::sequential! {
    pub struct TempNet { hidden_linear: Linear(1, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
}

nncore::sequential! {
    #[weights = "models/temp.safetensors"]
    pub struct Baked { hidden_linear: Linear(1, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
}

// PyTorch's file, in the index-named form.
nncore::sequential! {
    #[weights = "tests/golden/seed_mlp_indexed/init.safetensors"]
    pub struct BakedIndexed(Linear(1, 13), Tanh, Linear(13, 1));
}

// A baked model is a constant: usable in const items.
const BAKED_BIAS: f32 = Baked::TRAINED.output_linear.bias[0];

const WEIGHTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/temp.safetensors");

/// Every parameter's key, shape and bits.
fn bits<M: Module>(model: &M) -> Vec<(String, Vec<usize>, Vec<u32>)> {
    model
        .parameters()
        .map(|p| {
            let values = p.data.iter().map(|v| v.to_bits()).collect();
            (p.name.to_string(), p.shape.to_vec(), values)
        })
        .collect()
}

#[test]
fn no_std_crate_constant_equals_the_weights_file() {
    let loaded: TempNet = nncore::io::load(WEIGHTS).unwrap();
    assert_eq!(bits(&nn_embedded::TRAINED), bits(&loaded));
    // The model the macro baked into the no_std crate from the same file.
    assert_eq!(bits(&nn_embedded::BakedTempNet::TRAINED), bits(&loaded));
}

#[test]
fn no_std_inference_equals_the_loaded_model() {
    let loaded: TempNet = nncore::io::load(WEIGHTS).unwrap();
    let readings = [21.8f32, 35.7, 48.4, 81.9, 100.0];
    let mut out = [0.0f32; 5];
    assert_eq!(nn_embedded::convert(&readings, &mut out), 5);
    for (u, c) in readings.iter().zip(out) {
        assert_eq!(c.to_bits(), loaded.forward(&[0.1 * u])[0].to_bits());
    }
    // A trained model, not a constant: warmer readings give warmer Celsius.
    assert!(out.windows(2).all(|w| w[0] < w[1]), "{out:?}");
    assert!((out[3] - 28.0).abs() < 3.0, "{out:?}");
}

#[test]
fn baked_constant_equals_the_loaded_file() {
    let loaded: TempNet = nncore::io::load(WEIGHTS).unwrap();
    assert_eq!(bits(&Baked::TRAINED), bits(&loaded));
    assert_eq!(BAKED_BIAS.to_bits(), loaded.output_linear.bias[0].to_bits());

    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/seed_mlp_indexed/init.safetensors"
    );
    let loaded: BakedIndexed = nncore::io::load(path).unwrap();
    assert_eq!(bits(&BakedIndexed::TRAINED), bits(&loaded));
    // And the values are PyTorch's `init`, from the case's JSON.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/seed_mlp_indexed/case.json"
    ))
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let bias: Vec<f32> = json["init"]["0.bias"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(BakedIndexed::TRAINED.0.bias.to_vec(), bias);
}

/// The committed weights are what `cargo run --example train_temp` makes from the same seed:
/// training is deterministic, so a change to the library's arithmetic shows here until the
/// weights are regenerated.
#[test]
fn committed_weights_are_what_train_temp_makes() {
    use nncore::{Grads, MSELoss, SGD, SGDConfig};
    use rand::{SeedableRng, rngs::StdRng};
    const T_U: [f32; 11] = [
        35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4,
    ];
    const T_C: [f32; 11] = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0];
    let xs: Vec<[f32; 1]> = T_U.iter().map(|&u| [0.1 * u]).collect();
    let ys: Vec<[f32; 1]> = T_C.iter().map(|&c| [c]).collect();
    let mut model = TempNet::init(&mut StdRng::seed_from_u64(42));
    let mut grads = Grads::<TempNet>::new();
    let mut optimizer = SGD::new(SGDConfig {
        lr: 1e-3,
        ..Default::default()
    })
    .unwrap();
    for _ in 0..3000 {
        grads.zero_grad();
        model
            .backward_loss(&MSELoss::new(), &xs, &ys, &mut grads)
            .unwrap();
        optimizer.step(&mut model, &grads);
    }
    let committed: TempNet = nncore::io::load(WEIGHTS).unwrap();
    assert_eq!(bits(&model), bits(&committed));
}

/// The `no_std` crate's conv classifier gives the class of the largest logit of the model it
/// holds, computed without a heap.
#[test]
fn the_no_std_conv_classifier_runs() {
    use nncore::Module;
    use rand::SeedableRng;
    let mut model = nn_embedded::SensorNet::init(&mut rand::rngs::StdRng::seed_from_u64(4));
    model.norm.running_mean = [0.1; 8];
    let window: [[f32; 20]; 4] =
        core::array::from_fn(|c| core::array::from_fn(|t| ((c * 5 + t) % 7) as f32 * 0.3 - 1.0));
    let logits = nncore::Model::forward(&model, &window);
    let best = (0..3).fold(0, |b, c| if logits[c] > logits[b] { c } else { b });
    assert_eq!(nn_embedded::classify(&model, &window), best);
    assert_eq!(nn_embedded::SensorNet::NUM_BUFFERS, 17);
}

nncore::sequential! {
    pub struct DigitNet { hidden: Linear(64, 32), activ: ReLU, output: Linear(32, 10) }
}

/// The digits split of `examples/quantize.rs` (seed 0, 20% held out), pixels in [0, 1].
fn digits_split() -> nncore::data::Split<[f32; 64], usize> {
    use rand::SeedableRng;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let rows = nncore::data::read_csv::<65>(path, true).unwrap();
    let xs: Vec<[f32; 64]> = rows
        .iter()
        .map(|r| std::array::from_fn(|i| r[i] / 16.0))
        .collect();
    let ys: Vec<usize> = rows.iter().map(|r| r[64] as usize).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    nncore::data::train_val_split(&xs, &ys, 0.2, &mut rng).unwrap()
}

/// The first of the largest values.
fn first_max<T: PartialOrd>(v: &[T]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

/// `cargo run --example quantize -- --write` saved the float weights and exported their int8
/// form into the `no_std` crate: quantizing the weights again, calibrated on the same training
/// images, gives that source exactly, and the crate's constant classifies every test image as
/// the quantized model does.
#[test]
fn no_std_int8_model_is_the_quantized_digits_model() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/digits.safetensors");
    let model: DigitNet = nncore::io::load(path).unwrap();
    let split = digits_split();
    let int8 = model.quantize(&split.train_x).unwrap();
    assert_eq!(
        nncore::export::rust_const_int8(&int8, "DigitNetInt8", "DIGITS_INT8"),
        include_str!("../embedded/src/digits_int8.rs")
    );
    let (mut f32_correct, mut int8_correct) = (0, 0);
    for (x, &y) in split.val_x.iter().zip(&split.val_y) {
        let input = int8.input_params();
        let class = first_max(&int8.forward(&x.map(|v| input.quantize(v))));
        assert_eq!(nn_embedded::classify_digit(x), class);
        int8_correct += usize::from(class == y);
        f32_correct += usize::from(first_max(&model.forward(x)) == y);
    }
    // Within one point of the float model (the example prints both: 97.21%).
    let n = split.val_x.len() as f32;
    let (f32_accuracy, int8_accuracy) = (f32_correct as f32 / n, int8_correct as f32 / n);
    assert!(f32_accuracy > 0.95, "{f32_accuracy}");
    assert!(
        (f32_accuracy - int8_accuracy).abs() <= 0.01,
        "{f32_accuracy} {int8_accuracy}"
    );
}

// Under 30% of the float model's bytes.
const _: () = assert!(DigitNetInt8::WEIGHT_BYTES * 10 <= DigitNet::PARAM_BYTES * 3);
