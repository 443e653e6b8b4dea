//! Training mode (`nncore::Train`) runs a whole batch one layer at a time; for a model whose
//! layers act the same in both modes it gives what evaluation mode gives.

use nncore::prelude::*;
use nncore::{CrossEntropyLoss, Error, Grads, MSELoss, Train};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    /// Every kind of dense layer, mixed.
    pub struct Mixed(Linear(3, 7), ReLU, Linear(7, 5, bias = false), LeakyReLU(0.2), Linear(5, 4), Tanh);
}

fn data(len: usize) -> (Vec<[f32; 3]>, Vec<[f32; 4]>) {
    let xs = (0..len)
        .map(|i| [i as f32 * 0.3 - 1.0, (i as f32).sin(), 0.5 - (i % 3) as f32])
        .collect();
    let ys = (0..len).map(|i| [(i as f32).cos(); 4]).collect();
    (xs, ys)
}

#[test]
fn training_mode_matches_evaluation_mode_without_mode_layers() {
    let model = Mixed::init(&mut StdRng::seed_from_u64(3));
    let mut train = Train::new(StdRng::seed_from_u64(4));
    for len in [1, 7, 8, 9, 33] {
        let (xs, ys) = data(len);
        let (mut eval_grads, mut train_grads) = (Grads::<Mixed>::new(), Grads::<Mixed>::new());
        let eval = model
            .backward_loss(&MSELoss::new(), &xs, &ys, &mut eval_grads)
            .unwrap();
        let mut trained = model.clone();
        let loss = train
            .backward_loss(&mut trained, &MSELoss::new(), &xs, &ys, &mut train_grads)
            .unwrap();
        assert_eq!(
            trained, model,
            "nothing in this model changes in training mode"
        );
        assert!(
            (loss - eval).abs() <= 1e-6 * eval.abs(),
            "{len}: {loss} vs {eval}"
        );
        for (a, b) in train_grads.parameters().zip(eval_grads.parameters()) {
            for (x, y) in a.data.iter().zip(b.data) {
                assert!(
                    (x - y).abs() <= 1e-5 * (1.0 + y.abs()),
                    "{}: {x} vs {y}",
                    a.name
                );
            }
        }
        let mut out = vec![[0.0; 4]; len];
        train.forward_into(&mut trained, &xs, &mut out).unwrap();
        assert_eq!(out, model.forward_batch(&xs));
    }
}

#[test]
fn training_mode_errors_change_nothing() {
    nncore::sequential! { struct Classifier(Linear(2, 3)); }
    let mut model = Classifier::init(&mut StdRng::seed_from_u64(5));
    let before = model.clone();
    let mut grads = Grads::<Classifier>::new();
    let mut train = Train::new(StdRng::seed_from_u64(6));
    let xs = [[1.0, 2.0], [3.0, 4.0]];
    let bad = train.backward_loss(
        &mut model,
        &CrossEntropyLoss::new(),
        &xs,
        &[2, 7],
        &mut grads,
    );
    assert_eq!(
        bad,
        Err(Error::ClassIndex {
            sample: 1,
            class: 7,
            classes: 3
        })
    );
    let short = train.backward_loss(&mut model, &CrossEntropyLoss::new(), &xs, &[2], &mut grads);
    assert!(matches!(short, Err(Error::BatchLength { .. })));
    assert!(
        train
            .forward_into(&mut model, &xs, &mut [[0.0; 3]])
            .is_err()
    );
    assert_eq!((model, grads), (before, Grads::new()));
}

nncore::sequential! {
    /// Every training-mode path of the generated code: BatchNorm couples the samples.
    #[input(2, 6)]
    pub struct Seq {
        conv: Conv1d(2, 3, 3, padding = 1),
        bn: BatchNorm1d(3),
        act: Tanh,
        pool: AvgPool1d(2),
        flat: Flatten,
        fc: Linear(9, 2),
    }
}

/// The training-mode loss of `model` on the batch, leaving `model` as it was.
fn train_loss(model: &Seq, xs: &[[[f32; 6]; 2]], ys: &[[f32; 2]]) -> f64 {
    let mut copy = model.clone();
    let mut grads = Grads::<Seq>::new();
    let mut train = Train::new(StdRng::seed_from_u64(0));
    f64::from(
        train
            .backward_loss(&mut copy, &MSELoss::new(), xs, ys, &mut grads)
            .unwrap(),
    )
}

#[test]
fn training_mode_gradients_match_finite_differences() {
    let model = Seq::init(&mut StdRng::seed_from_u64(7));
    let xs: Vec<[[f32; 6]; 2]> = (0..5)
        .map(|i| {
            core::array::from_fn(|c| {
                core::array::from_fn(|l| ((i * 7 + c * 3 + l) % 11) as f32 * 0.2 - 1.0)
            })
        })
        .collect();
    let ys: Vec<[f32; 2]> = (0..5)
        .map(|i| [i as f32 * 0.3, 1.0 - i as f32 * 0.2])
        .collect();
    let mut grads = Grads::<Seq>::new();
    let mut trained = model.clone();
    Train::new(StdRng::seed_from_u64(0))
        .backward_loss(&mut trained, &MSELoss::new(), &xs, &ys, &mut grads)
        .unwrap();
    assert_eq!(trained.bn.num_batches_tracked, 1);
    assert_ne!(trained.bn.running_mean, model.bn.running_mean);
    let analytic: Vec<(String, Vec<f32>)> = grads
        .parameters()
        .map(|p| (p.name.to_string(), p.data.to_vec()))
        .collect();
    let h = 1e-2;
    for (name, values) in analytic {
        for (i, &g) in values.iter().enumerate() {
            let shifted = |delta: f32| {
                let mut m = model.clone();
                let p = m
                    .parameters_mut()
                    .find(|p| p.name.to_string() == name)
                    .unwrap();
                p.data[i] += delta;
                train_loss(&m, &xs, &ys)
            };
            let numeric = (shifted(h) - shifted(-h)) / (2.0 * f64::from(h));
            let g = f64::from(g);
            assert!(
                (numeric - g).abs() <= 2e-3 + 2e-2 * g.abs(),
                "{name}[{i}]: backward {g}, finite difference {numeric}"
            );
        }
    }
}
