//! Parity with real PyTorch runs (`tests/golden/<case>/`, see the golden README): a
//! cross-entropy run with SGD momentum and an Adam run, from the same initial weights.
//!
//! Tolerances are the golden README's: first loss and gradients within 1e-5 relative (or 1e-6
//! absolute), final parameters within 1e-4 absolute, logged losses within 1e-4 relative.
//!
//! The cross-entropy run's losses fall to 4e-5 (train) and 5e-7 (validation), where float32
//! rounding moves PyTorch's own value by up to 1.3% (its float32 against its float64 run); they
//! still match within 1e-4 relative because the loss is rounded as PyTorch's `log_softmax`
//! rounds it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use nncore::prelude::*;
use nncore::{Adam, AdamConfig, CrossEntropyLoss, Grads, MSELoss, SGD, SGDConfig};
use safetensors::SafeTensors;
use serde_json::Value;

nncore::sequential! { struct Blobs(Linear(4, 6), ReLU, Linear(6, 3)); }
nncore::sequential! { struct TanhNet { fc1: Linear(2, 10), act: Tanh, fc2: Linear(10, 1) } }

struct Case {
    json: Value,
    dir: PathBuf,
}

impl Case {
    fn load(name: &str) -> Case {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        let text = std::fs::read_to_string(dir.join("case.json")).unwrap();
        Case {
            json: serde_json::from_str(&text).unwrap(),
            dir,
        }
    }

    fn rows<const N: usize>(&self, key: &str) -> Vec<[f32; N]> {
        self.json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let row: Vec<f32> = row
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
                    .collect();
                row.try_into().unwrap()
            })
            .collect()
    }

    /// Class targets, stored as floats.
    fn classes(&self, key: &str) -> Vec<usize> {
        self.rows::<1>(key).iter().map(|[c]| *c as usize).collect()
    }

    fn f64(&self, pointer: &str) -> f64 {
        self.json.pointer(pointer).unwrap().as_f64().unwrap()
    }

    /// Sets every parameter from a safetensors file, by `state_dict` name.
    fn set_params<M: Module>(&self, model: &mut M, file: &str) {
        for p in model.parameters_mut() {
            expect_tensor(&self.dir.join(file), &p.name.to_string(), |values| {
                p.data.copy_from_slice(values);
            });
        }
    }

    /// The worst absolute difference of the model's parameters from a safetensors file.
    fn param_diff<M: Module>(&self, model: &M, file: &str) -> f32 {
        let mut worst = 0.0f32;
        for p in model.parameters() {
            expect_tensor(&self.dir.join(file), &p.name.to_string(), |values| {
                for (a, b) in p.data.iter().zip(values) {
                    worst = worst.max((a - b).abs());
                }
            });
        }
        worst
    }

    /// Checks the first gradients against PyTorch's `.grad`, within 1e-5 relative or 1e-6 absolute.
    fn check_grads<M: Module>(&self, grads: &M) {
        for p in grads.parameters() {
            let name = p.name.to_string();
            let expected = &self.json["first_grads"][&name]["data"];
            for (found, expected) in p.data.iter().zip(expected.as_array().unwrap()) {
                let expected = expected.as_f64().unwrap();
                let error = (f64::from(*found) - expected).abs();
                assert!(
                    error <= 1e-6 || error <= 1e-5 * expected.abs(),
                    "{name}: gradient {found}, PyTorch {expected}"
                );
            }
        }
    }

    /// `{epoch: [[train, val] in float32, [train, val] in float64]}`.
    fn logged_losses(&self) -> BTreeMap<u32, [[f64; 2]; 2]> {
        let f64_losses = self.read_losses("losses_f64");
        self.read_losses("losses")
            .into_iter()
            .map(|(epoch, f32_pair)| (epoch, [f32_pair, f64_losses[&epoch]]))
            .collect()
    }

    fn read_losses(&self, key: &str) -> BTreeMap<u32, [f64; 2]> {
        self.json[key]
            .as_object()
            .unwrap()
            .iter()
            .map(|(epoch, pair)| {
                let pair = pair.as_array().unwrap();
                (
                    epoch.parse().unwrap(),
                    [pair[0].as_f64().unwrap(), pair[1].as_f64().unwrap()],
                )
            })
            .collect()
    }
}

fn expect_tensor(path: &std::path::Path, name: &str, f: impl FnOnce(&[f32])) {
    let bytes = std::fs::read(path).unwrap();
    let tensors = SafeTensors::deserialize(&bytes).unwrap();
    let view = tensors.tensor(name).unwrap();
    let values: Vec<f32> = view
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    f(&values);
}

/// Within 1e-4 relative of PyTorch's float32 value.
fn check_loss(what: &str, found: f32, expected_f32: f64, expected_f64: f64) {
    let error = (f64::from(found) - expected_f32).abs();
    let drift = (expected_f32 - expected_f64).abs();
    let tolerance = 1e-4 * expected_f32.abs();
    eprintln!(
        "{what}: {found:e}, PyTorch {expected_f32:e}: relative {:.1e} (PyTorch f32 vs f64 {:.1e})",
        error / expected_f32.abs(),
        drift / expected_f32.abs()
    );
    assert!(
        error <= tolerance,
        "{what}: {found}, PyTorch {expected_f32} (float64 {expected_f64})"
    );
}

#[test]
fn ce_blobs_momentum_matches_pytorch() {
    let case = Case::load("ce_blobs_momentum");
    let (train_x, train_y) = (case.rows::<4>("train_x"), case.classes("train_y"));
    let (val_x, val_y) = (case.rows::<4>("val_x"), case.classes("val_y"));
    let mut model = Blobs::ZERO;
    case.set_params(&mut model, "init.safetensors");
    let loss_fn = CrossEntropyLoss::new();
    let mut opt = SGD::new(SGDConfig {
        lr: case.f64("/optimizer/lr") as f32,
        momentum: case.f64("/optimizer/momentum") as f32,
        ..Default::default()
    })
    .unwrap();
    let batch = case.json["batch_size"].as_u64().unwrap() as usize;
    let logged = case.logged_losses();
    let mut grads = Grads::<Blobs>::new();
    let mut first = true;
    for epoch in 1..=case.json["epochs"].as_u64().unwrap() as u32 {
        for (xs, ys) in train_x.chunks(batch).zip(train_y.chunks(batch)) {
            grads.zero_grad();
            let loss = model.backward_loss(&loss_fn, xs, ys, &mut grads).unwrap();
            if first {
                let expected = case.f64("/first_loss");
                assert!((f64::from(loss) - expected).abs() <= 1e-5 * expected);
                case.check_grads(&*grads);
                first = false;
            }
            opt.step(&mut model, &grads);
        }
        if let Some([[train, val], [train64, val64]]) = logged.get(&epoch) {
            let found_train = loss_fn
                .forward(&model.forward_batch(&train_x), &train_y)
                .unwrap();
            let found_val = loss_fn
                .forward(&model.forward_batch(&val_x), &val_y)
                .unwrap();
            check_loss(
                &format!("epoch {epoch} train loss"),
                found_train,
                *train,
                *train64,
            );
            check_loss(&format!("epoch {epoch} val loss"), found_val, *val, *val64);
        }
    }
    let diff = case.param_diff(&model, "final.safetensors");
    let drift = case.f64("/f32_vs_f64_max_param_diff");
    eprintln!("PyTorch float32 vs float64 final parameters: {drift:e}");
    eprintln!("ce_blobs_momentum: largest final parameter difference {diff:e}");
    assert!(diff <= 1e-4, "final parameters differ by {diff}");
}

#[test]
fn adam_tanh_matches_pytorch() {
    let case = Case::load("adam_tanh");
    let (train_x, train_y) = (case.rows::<2>("train_x"), case.rows::<1>("train_y"));
    let (val_x, val_y) = (case.rows::<2>("val_x"), case.rows::<1>("val_y"));
    let mut model = TanhNet::ZERO;
    case.set_params(&mut model, "init.safetensors");
    let loss_fn = MSELoss::new();
    let mut opt = Adam::new(AdamConfig {
        lr: case.f64("/optimizer/lr") as f32,
        weight_decay: case.f64("/optimizer/weight_decay") as f32,
        ..Default::default()
    })
    .unwrap();
    assert!(case.json["batch_size"].is_null(), "full batch");
    let logged = case.logged_losses();
    let mut grads = Grads::<TanhNet>::new();
    for epoch in 1..=case.json["epochs"].as_u64().unwrap() as u32 {
        grads.zero_grad();
        let loss = model
            .backward_loss(&loss_fn, &train_x, &train_y, &mut grads)
            .unwrap();
        if epoch == 1 {
            let expected = case.f64("/first_loss");
            assert!((f64::from(loss) - expected).abs() <= 1e-5 * expected);
            case.check_grads(&*grads);
        }
        opt.step(&mut model, &grads);
        if let Some([[train, val], [train64, val64]]) = logged.get(&epoch) {
            let found_train = loss_fn
                .forward(&model.forward_batch(&train_x), &train_y)
                .unwrap();
            let found_val = loss_fn
                .forward(&model.forward_batch(&val_x), &val_y)
                .unwrap();
            check_loss(
                &format!("epoch {epoch} train loss"),
                found_train,
                *train,
                *train64,
            );
            check_loss(&format!("epoch {epoch} val loss"), found_val, *val, *val64);
        }
    }
    let diff = case.param_diff(&model, "final.safetensors");
    eprintln!("adam_tanh: largest final parameter difference {diff:e}");
    assert!(diff <= 1e-4, "final parameters differ by {diff}");
}
