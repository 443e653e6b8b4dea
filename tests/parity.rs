//! Parity with PyTorch: each model is declared as its golden case says, started from the case's
//! initial weights and trained as PyTorch trained it; the printed model, the first loss and
//! gradients, the loss curve and the final weights must match (`tests/golden/README.md`).
//!
//! `cargo test --test parity -- --nocapture` also prints the worst deviation of each case.

mod common;

use std::fmt::Display;

use common::{Case, Tolerance, Worst, assert_close, compare_params, load_state_dict, rows};
use nncore::prelude::*;
use nncore::{Grads, MSELoss, SGD};

nncore::sequential! {
    /// `seed_linear`: the chapter's linear model.
    struct SeedLinear(Linear(1, 1));
}

nncore::sequential! {
    /// `seed_mlp_indexed`: the chapter's 1-13-1 model, index names.
    struct SeedMlpIndexed(Linear(1, 13), Tanh, Linear(13, 1));
}

nncore::sequential! {
    /// `seed_mlp_named`: the chapter's 1-13-1 model, `OrderedDict` names.
    struct SeedMlpNamed {
        hidden_linear: Linear(1, 13),
        hidden_activ: Tanh,
        output_linear: Linear(13, 1),
    }
}

nncore::sequential! {
    /// `relu_sigmoid_momentum`: two activations, mini-batches, Nesterov momentum, weight decay.
    struct ReluSigmoidMomentum(Linear(2, 8), ReLU, Linear(8, 8), Sigmoid, Linear(8, 2));
}

/// `first_loss` and `first_grads`.
const FIRST: Tolerance = Tolerance {
    rel: 1e-5,
    abs: 1e-6,
};
/// Logged losses of a stable run, and of a chaotic run up to where it is still stable.
const LOSSES: Tolerance = Tolerance::relative(1e-4);
/// Final weights of a stable run.
const FINAL_PARAMS: Tolerance = Tolerance::absolute(1e-4);
/// Below this float32/float64 drift a run counts as stable.
const STABLE_DRIFT: f64 = 1e-4;

/// How closely a run can be followed to its end (`tests/golden/README.md`).
#[derive(Clone, Copy)]
enum Stability {
    /// Every logged loss and every final weight are checked.
    Stable,
    /// The losses are checked up to epoch `until`, then only the final train loss, within
    /// `final_train_loss`; the final weights are only reported.
    Chaotic {
        until: usize,
        final_train_loss: Tolerance,
    },
}

/// The chaotic `seed_mlp_*` runs.
const SEED_MLP: Stability = Stability::Chaotic {
    until: 500,
    final_train_loss: Tolerance::relative(0.05),
};

#[test]
fn seed_linear() {
    check_case::<SeedLinear, 1, 1>("seed_linear", &["Linear(1, 1)"], Stability::Stable);
}

#[test]
fn seed_mlp_indexed() {
    check_case::<SeedMlpIndexed, 1, 1>(
        "seed_mlp_indexed",
        &["Linear(1, 13)", "Tanh", "Linear(13, 1)"],
        SEED_MLP,
    );
}

#[test]
fn seed_mlp_named() {
    check_case::<SeedMlpNamed, 1, 1>(
        "seed_mlp_named",
        &[
            "hidden_linear: Linear(1, 13)",
            "hidden_activ: Tanh",
            "output_linear: Linear(13, 1)",
        ],
        SEED_MLP,
    );
}

#[test]
fn relu_sigmoid_momentum() {
    check_case::<ReluSigmoidMomentum, 2, 2>(
        "relu_sigmoid_momentum",
        &[
            "Linear(2, 8)",
            "ReLU",
            "Linear(8, 8)",
            "Sigmoid",
            "Linear(8, 2)",
        ],
        Stability::Stable,
    );
}

/// The worst deviations from PyTorch seen in one case.
#[derive(Default)]
struct Report {
    first_loss: Worst,
    first_grads: Worst,
    /// The logged losses that are checked.
    losses: Worst,
    /// The logged losses of a chaotic run that are only reported.
    unchecked_losses: Worst,
    /// The train loss after the last epoch.
    final_train_loss: Worst,
    final_params: Worst,
}

/// Loads case `name`, checks that `M` is the model it describes (`layers` is how the struct
/// above declares it), then trains `M` from the case's initial weights as PyTorch did.
fn check_case<M, const IN: usize, const OUT: usize>(
    name: &str,
    layers: &[&str],
    stability: Stability,
) where
    M: Model<[f32; IN], [f32; OUT]> + Display,
{
    let case = Case::load(name);
    let spelling = |s: &str| s.replace(' ', "").to_lowercase();
    assert_eq!(
        case.layers.iter().map(|l| spelling(l)).collect::<Vec<_>>(),
        layers.iter().map(|l| spelling(l)).collect::<Vec<_>>(),
        "{name}: the test declares other layers than the case"
    );
    assert_eq!(case.loss, "mse", "{name}: only MSE is supported");
    if matches!(stability, Stability::Stable) {
        assert!(
            case.f32_vs_f64_max_param_diff < STABLE_DRIFT,
            "{name}: float32 and float64 PyTorch drift {} apart; the run is not stable",
            case.f32_vs_f64_max_param_diff
        );
    }

    let mut model = M::zeros();
    load_state_dict(name, &mut model, &case.init);
    assert_eq!(format!("{model}"), case.repr, "{name}: print(model)");

    let train_x = rows::<IN>(name, "train_x", &case.train_x);
    let train_y = rows::<OUT>(name, "train_y", &case.train_y);
    let val_x = rows::<IN>(name, "val_x", &case.val_x);
    let val_y = rows::<OUT>(name, "val_y", &case.val_y);
    let batch_size = case.batch_size.unwrap_or(train_x.len());
    let logged = case.losses();
    assert_eq!(
        logged.last().map(|&(epoch, _)| epoch),
        Some(case.epochs),
        "{name}: the last logged epoch is not the last epoch"
    );

    let loss_fn = MSELoss::new();
    let mut optimizer = SGD::new(case.optimizer.sgd_config())
        .unwrap_or_else(|e| panic!("{name}: the case's optimizer settings: {e}"));
    let mut grads = Grads::<M>::new();
    let mut report = Report::default();
    let mut logged = logged.into_iter().peekable();
    let mut final_train_loss = None;

    for epoch in 1..=case.epochs {
        for (batch, (xs, ys)) in train_x
            .chunks(batch_size)
            .zip(train_y.chunks(batch_size))
            .enumerate()
        {
            let preds = model.forward_batch(xs); // preds = model(xs)
            let loss = loss_fn.forward(&preds, ys).unwrap(); // loss = loss_fn(preds, ys)
            grads.zero_grad(); // optimizer.zero_grad()
            let dys = loss_fn.backward(&preds, ys).unwrap(); // loss.backward(): the loss,
            model.backward(xs, &dys, &mut grads).unwrap(); // then the model
            if epoch == 1 && batch == 0 {
                let what = format!("{name}: first_loss");
                assert_close(f64::from(loss), case.first_loss, FIRST, what);
                report.first_loss.record(f64::from(loss), case.first_loss);
                let what = format!("{name}: first_grads");
                report.first_grads = compare_params(&what, &*grads, &case.first_grads, Some(FIRST));
            }
            optimizer.step(&mut model, &grads); // optimizer.step()
        }

        if logged.peek().is_some_and(|&(e, _)| e == epoch) {
            let (_, [train_ref, val_ref]) = logged.next().unwrap();
            let train_loss = f64::from(
                loss_fn
                    .forward(&model.forward_batch(&train_x), &train_y)
                    .unwrap(),
            );
            let val_loss = f64::from(
                loss_fn
                    .forward(&model.forward_batch(&val_x), &val_y)
                    .unwrap(),
            );
            let curve_tol = match stability {
                Stability::Stable => Some(LOSSES),
                Stability::Chaotic { until, .. } => (epoch <= until).then_some(LOSSES),
            };
            for (kind, loss, reference) in
                [("train", train_loss, train_ref), ("val", val_loss, val_ref)]
            {
                if let Some(tol) = curve_tol {
                    let what = format!("{name}: epoch {epoch}: {kind} loss");
                    assert_close(loss, reference, tol, what);
                    report.losses.record(loss, reference);
                } else {
                    report.unchecked_losses.record(loss, reference);
                }
            }
            if epoch == case.epochs {
                final_train_loss = Some((train_loss, train_ref));
            }
        }
    }
    assert!(
        logged.next().is_none(),
        "{name}: a logged epoch was never reached"
    );
    let (train_loss, train_ref) = final_train_loss.expect("the last epoch is logged");
    report.final_train_loss.record(train_loss, train_ref);
    if let Stability::Chaotic {
        final_train_loss, ..
    } = stability
    {
        let what = format!("{name}: epoch {}: train loss", case.epochs);
        assert_close(train_loss, train_ref, final_train_loss, what);
    }

    let final_tol = match stability {
        Stability::Stable => Some(FINAL_PARAMS),
        Stability::Chaotic { .. } => None,
    };
    let what = format!("{name}: final");
    report.final_params = compare_params(&what, &model, &case.final_, final_tol);

    println!(
        "{name}: first loss {}; first grads {}; checked losses {}; unchecked losses {}; \
         final train loss {}; final params {}",
        report.first_loss,
        report.first_grads,
        report.losses,
        report.unchecked_losses,
        report.final_train_loss,
        report.final_params
    );
}

/// The `.safetensors` files beside each `case.json` hold the same `init` and `final` weights,
/// bit for bit.
#[test]
fn safetensors_match_case_json() {
    let cases = common::files::assert_files_match_json(&common::golden_dir(""), |name| {
        let case = Case::load(name);
        (case.init, case.final_)
    });
    assert_eq!(cases, 6, "tests/golden should hold six cases");
}
