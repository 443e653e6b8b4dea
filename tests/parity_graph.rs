//! Parity with PyTorch for models that are graphs: residual adds, shortcut branches, modules
//! nested in modules, asymmetric zero padding (`tests/golden3/`). Each model is declared from
//! its case's PyTorch source (`parity_graph/models.rs`), loaded from the case's initial
//! `state_dict` and trained as PyTorch trained it; `print(model)`, the `state_dict` keys in
//! order, the outputs before and during training, the first gradients, every step's loss, the
//! logged losses and the final state must match within `tests/golden3/README.md`'s tolerances.
//!
//! `cargo test --test parity_graph -- --nocapture` prints each case's worst deviations.

mod common;
#[path = "parity_graph/models.rs"]
mod models;

use std::fmt::Display;

use common::golden2::{GoldenLoss, samples};
use common::golden3::Case;
use common::state::{compare_state, load_state};
use common::{Tolerance, Worst, assert_close, compare_params};
use models::{Dscnn, ResNetMini, ResidualMLP, TinyMobileNetV3};
use nncore::prelude::*;
use nncore::{BufferData, CrossEntropyLoss, Grads, NLLLoss, Train};
use rand::SeedableRng;
use rand::rngs::StdRng;

#[test]
fn mlp_residual() {
    check_case::<ResidualMLP, [f32; 16], [f32; 10], NLLLoss>("mlp_residual");
}

#[test]
fn resnet_mini() {
    check_case::<ResNetMini, [[[f32; 16]; 16]; 3], [f32; 10], CrossEntropyLoss>("resnet_mini");
}

#[test]
fn kws_dscnn_zeropad() {
    check_case::<Dscnn, [[[f32; 10]; 25]; 1], [f32; 12], CrossEntropyLoss>("kws_dscnn_zeropad");
}

#[test]
fn mobilenet_hswish() {
    check_case::<TinyMobileNetV3, [[[f32; 12]; 12]; 3], [f32; 5], CrossEntropyLoss>(
        "mobilenet_hswish",
    );
}

/// The model's `state_dict()` keys as PyTorch lists them: each module's parameters, then its
/// buffers, modules in order. `parameters()` and `buffers()` each follow that order of modules.
fn state_dict_keys<M: Module>(model: &M) -> Vec<(String, Vec<usize>, &'static str)> {
    let module = |key: &str| key.rsplit_once('.').map_or("", |(m, _)| m).to_owned();
    let params: Vec<_> = model
        .parameters()
        .map(|p| (p.name.to_string(), p.shape.dims().to_vec(), "parameter"))
        .collect();
    let mut buffers: Vec<_> = model
        .buffers()
        .map(|b| (b.name.to_string(), b.shape.dims().to_vec(), "buffer"))
        .collect();
    let mut keys = Vec::new();
    for (i, param) in params.iter().enumerate() {
        keys.push(param.clone());
        let last_of_module = params
            .get(i + 1)
            .is_none_or(|next| module(&next.0) != module(&param.0));
        if last_of_module {
            let (mine, rest) = buffers
                .into_iter()
                .partition(|b: &(String, Vec<usize>, &str)| module(&b.0) == module(&param.0));
            keys.extend(mine);
            buffers = rest;
        }
    }
    keys.extend(buffers);
    keys
}

/// Compares a batch of outputs with the case's rows, each value within `tol`.
#[track_caller]
fn compare_outputs<Y: Tensor>(
    what: &str,
    ys: &[Y],
    expected: &[Vec<f64>],
    tol: Tolerance,
) -> Worst {
    assert_eq!(ys.len(), expected.len(), "{what}: the number of samples");
    let mut worst = Worst::default();
    for (i, (y, row)) in ys.iter().zip(expected).enumerate() {
        assert_eq!(
            y.flat().len(),
            row.len(),
            "{what}[{i}]: the number of outputs"
        );
        for (j, (&a, &e)) in y.flat().iter().zip(row).enumerate() {
            assert_close(f64::from(a), e, tol, format_args!("{what}[{i}][{j}]"));
            worst.record(f64::from(a), e);
        }
    }
    worst
}

/// Loads case `name`, checks that `M` is the model its PyTorch source builds, then trains it
/// from the case's initial state as PyTorch did: in training mode, mini-batches in data order,
/// `zero_grad`, backward, `step`; the logged losses and outputs in evaluation mode.
fn check_case<M, X, Y, L>(name: &str)
where
    M: TrainModel<X, Y> + Display + Clone + 'static,
    X: Tensor,
    Y: Tensor,
    L: GoldenLoss<Y>,
{
    let case = Case::load(name);
    let tol = &case.tolerances;
    assert_eq!(case.input_shape, X::SHAPE.dims(), "{name}: the input shape");
    assert_eq!(case.loss, L::NAME, "{name}: the loss");

    let mut model = M::zeros();
    load_state(name, &mut model, &case.init);
    assert_eq!(format!("{model}"), case.repr, "{name}: print(model)");
    let expected: Vec<_> = case
        .state_dict_keys
        .iter()
        .map(|k| (k.name.clone(), k.shape.clone(), k.kind.as_str()))
        .collect();
    assert_eq!(state_dict_keys(&model), expected, "{name}: state_dict keys");
    let int64 = model
        .buffers()
        .filter(|b| matches!(b.data, BufferData::I64(_)))
        .count();
    assert_eq!(
        int64,
        case.state_dict_keys
            .iter()
            .filter(|k| k.name.ends_with("num_batches_tracked"))
            .count(),
        "{name}: int64 buffers"
    );

    let train_x = samples::<X>(name, "train_x", &case.train_x);
    let train_y = L::targets(name, "train_y", &case.train_y);
    let val_x = samples::<X>(name, "val_x", &case.val_x);
    let val_y = L::targets(name, "val_y", &case.val_y);

    let init_val = compare_outputs(
        &format!("{name}: init_val_outputs"),
        &model.forward_batch(&val_x),
        &case.init_val_outputs,
        tol.init_val_outputs.into(),
    );

    let loss_fn = L::default();
    let mut optimizer = case.optimizer::<M>();
    let mut grads = Grads::<M>::new();
    let mut train = Train::new(StdRng::seed_from_u64(0));
    let mut logged = case.losses().into_iter().peekable();
    let (mut steps, mut step_losses, mut losses) = (0, Worst::default(), Worst::default());
    let mut first = (Worst::default(), Worst::default());

    for epoch in 1..=case.epochs {
        let batches = train_x
            .chunks(case.batch_size)
            .zip(train_y.chunks(case.batch_size));
        for (xs, ys) in batches {
            if steps == 0 {
                // model(xs) in training mode, on a copy: the forward updates running statistics.
                let mut probe = model.clone();
                let mut outputs = vec![Y::ZERO; xs.len()];
                train.forward_into(&mut probe, xs, &mut outputs).unwrap();
                let what = format!("{name}: first_outputs");
                first.0 = compare_outputs(
                    &what,
                    &outputs,
                    &case.first_outputs,
                    tol.first_outputs.into(),
                );
            }
            grads.zero_grad();
            let loss = train
                .backward_loss(&mut model, &loss_fn, xs, ys, &mut grads)
                .unwrap_or_else(|e| panic!("{name}: step {steps}: {e}"));
            let what = format!("{name}: step_losses[{steps}]");
            assert_close(
                f64::from(loss),
                case.step_losses[steps],
                tol.step_losses.into(),
                what,
            );
            step_losses.record(f64::from(loss), case.step_losses[steps]);
            if steps == 0 {
                let what = format!("{name}: first_loss");
                assert_close(
                    f64::from(loss),
                    case.first_loss,
                    tol.first_loss.into(),
                    what,
                );
                let what = format!("{name}: first_grads");
                first.1 = compare_params(
                    &what,
                    &*grads,
                    &case.first_grads,
                    Some(tol.first_grads.into()),
                );
            }
            optimizer.step(&mut model, &grads);
            steps += 1;
        }
        if logged.peek().is_some_and(|&(e, _)| e == epoch) {
            let (_, [train_ref, val_ref]) = logged.next().unwrap();
            for (kind, xs, ys, reference) in [
                ("train", &train_x, &train_y, train_ref),
                ("val", &val_x, &val_y, val_ref),
            ] {
                let loss = loss_fn.forward(&model.forward_batch(xs), ys).unwrap();
                let what = format!("{name}: epoch {epoch}: {kind} loss");
                assert_close(f64::from(loss), reference, tol.losses.into(), what);
                losses.record(f64::from(loss), reference);
            }
        }
    }
    assert_eq!(steps, case.steps, "{name}: steps");
    assert!(
        logged.next().is_none(),
        "{name}: a logged epoch was never reached"
    );

    let state = compare_state(
        &format!("{name}: final"),
        &model,
        &case.final_,
        tol.final_.into(),
    );
    let outputs = model.forward_batch(&val_x);
    let val = compare_outputs(
        &format!("{name}: val_outputs"),
        &outputs,
        &case.val_outputs,
        tol.val_outputs.into(),
    );
    assert_eq!(
        L::accuracy(&outputs, &val_y),
        Some(case.val_accuracy),
        "{name}: val accuracy"
    );
    println!(
        "{name}: init val outputs {init_val}; first outputs {}; first grads {}; step losses \
         {step_losses}; logged losses {losses}; final params {}, buffers {}; val outputs {val}",
        first.0, first.1, state.params, state.buffers,
    );
}

/// The `.safetensors` files beside each `case.json` hold the same `init` and `final` state.
#[test]
fn safetensors_match_case_json() {
    let root = common::golden3::golden3_dir("");
    let cases = common::files::assert_files_match_json(&root, |name| {
        let case = Case::load(name);
        (case.init, case.final_)
    });
    assert_eq!(cases, 4, "tests/golden3 should hold four cases");
}
