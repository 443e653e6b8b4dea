//! Parity with PyTorch for convolution, pooling, BatchNorm and LogSoftmax: each model is
//! declared as its case in `tests/golden2/` says, started from the case's whole initial
//! `state_dict` (BatchNorm's running statistics included) and trained as PyTorch trained it, in
//! training mode; the printed model, the first loss and gradients, the loss curve (in evaluation
//! mode), the final parameters and buffers and the validation accuracy must match
//! (`tests/golden2/README.md`).
//!
//! `cargo test --test parity_conv -- --nocapture` also prints the worst deviation of each case
//! and how long it took.

mod common;

use std::fmt::Display;
use std::time::Instant;

use common::golden2::{Case, GoldenLoss, samples};
use common::state::{StateDiff, above_floor, compare_state, load_state};
use common::{Tolerance, Worst, assert_close, compare_params};
use nncore::prelude::*;
use nncore::{CrossEntropyLoss, Grads, MSELoss, NLLLoss, Train};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    /// `conv1d_bn_maxpool`: a 1-D convolution, BatchNorm and max pooling.
    #[input(2, 16)]
    struct Conv1dBnMaxpool {
        conv1: Conv1d(2, 4, 3, padding = 1),
        bn1: BatchNorm1d(4),
        act1: ReLU,
        pool1: MaxPool1d(2),
        conv2: Conv1d(4, 6, 3),
        act2: ReLU,
        flat: Flatten,
        fc: Linear(36, 3),
    }
}

nncore::sequential! {
    /// `book_ch8_conv2d`: the first convolutional net of Deep Learning with PyTorch, ch. 8.
    #[input(3, 32, 32)]
    struct BookCh8Conv2d(
        Conv2d(3, 16, kernel_size = 3, padding = 1),
        Tanh,
        MaxPool2d(2),
        Conv2d(16, 8, kernel_size = 3, padding = 1),
        Tanh,
        MaxPool2d(2),
        Flatten,
        Linear(512, 32),
        Tanh,
        Linear(32, 2),
    );
}

nncore::sequential! {
    /// `dsconv1d_gap_adam`: a depthwise-separable 1-D block and global average pooling.
    #[input(4, 20)]
    struct DsConv1dGapAdam {
        dw: Conv1d(4, 4, 3, groups = 4, dilation = 2, padding = 2, bias = false),
        pw: Conv1d(4, 8, 1, bias = false),
        bn: BatchNorm1d(8),
        act: ReLU,
        gap: AdaptiveAvgPool1d(1),
        flat: Flatten,
        head: Linear(8, 4),
    }
}

nncore::sequential! {
    /// `logsoftmax_nll`: the classifier ending of Deep Learning with PyTorch, ch. 7.
    struct LogSoftmaxNll(Linear(6, 16), Tanh, Linear(16, 3), LogSoftmax(dim = 1));
}

nncore::sequential! {
    /// `autoencoder_bn_adam`: the MLPerf Tiny anomaly-detection autoencoder, scaled down.
    struct AutoencoderBnAdam {
        fc0: Linear(32, 16, bias = false),
        bn0: BatchNorm1d(16),
        act0: ReLU,
        fc1: Linear(16, 16, bias = false),
        bn1: BatchNorm1d(16),
        act1: ReLU,
        fc2: Linear(16, 4, bias = false),
        bn2: BatchNorm1d(4),
        act2: ReLU,
        fc3: Linear(4, 16, bias = false),
        bn3: BatchNorm1d(16),
        act3: ReLU,
        fc4: Linear(16, 16, bias = false),
        bn4: BatchNorm1d(16),
        act4: ReLU,
        out: Linear(16, 32),
    }
}

/// `first_loss` and `first_grads`.
const FIRST: Tolerance = Tolerance {
    rel: 1e-5,
    abs: 1e-6,
};
/// Logged losses.
const LOSSES: Tolerance = Tolerance::relative(1e-4);
/// Final parameters and running statistics.
const FINAL_STATE: Tolerance = Tolerance::absolute(1e-4);
/// Below this float32/float64 drift a run counts as stable, and the tolerances above apply.
const STABLE_DRIFT: f64 = 1e-4;

#[test]
fn conv1d_bn_maxpool() {
    check_case::<Conv1dBnMaxpool, [[f32; 16]; 2], [f32; 3], CrossEntropyLoss>(
        "conv1d_bn_maxpool",
        &[
            "conv1: Conv1d(2, 4, 3, padding = 1)",
            "bn1: BatchNorm1d(4)",
            "act1: ReLU",
            "pool1: MaxPool1d(2)",
            "conv2: Conv1d(4, 6, 3)",
            "act2: ReLU",
            "flat: Flatten",
            "fc: Linear(36, 3)",
        ],
    );
}

#[test]
fn book_ch8_conv2d() {
    check_case::<BookCh8Conv2d, [[[f32; 32]; 32]; 3], [f32; 2], CrossEntropyLoss>(
        "book_ch8_conv2d",
        &[
            "Conv2d(3, 16, kernel_size = 3, padding = 1)",
            "Tanh",
            "MaxPool2d(2)",
            "Conv2d(16, 8, kernel_size = 3, padding = 1)",
            "Tanh",
            "MaxPool2d(2)",
            "Flatten",
            "Linear(512, 32)",
            "Tanh",
            "Linear(32, 2)",
        ],
    );
}

#[test]
fn dsconv1d_gap_adam() {
    check_case::<DsConv1dGapAdam, [[f32; 20]; 4], [f32; 4], CrossEntropyLoss>(
        "dsconv1d_gap_adam",
        &[
            "dw: Conv1d(4, 4, 3, groups = 4, dilation = 2, padding = 2, bias = false)",
            "pw: Conv1d(4, 8, 1, bias = false)",
            "bn: BatchNorm1d(8)",
            "act: ReLU",
            "gap: AdaptiveAvgPool1d(1)",
            "flat: Flatten",
            "head: Linear(8, 4)",
        ],
    );
}

#[test]
fn logsoftmax_nll() {
    check_case::<LogSoftmaxNll, [f32; 6], [f32; 3], NLLLoss>(
        "logsoftmax_nll",
        &[
            "Linear(6, 16)",
            "Tanh",
            "Linear(16, 3)",
            "LogSoftmax(dim = 1)",
        ],
    );
}

#[test]
fn autoencoder_bn_adam() {
    check_case::<AutoencoderBnAdam, [f32; 32], [f32; 32], MSELoss>(
        "autoencoder_bn_adam",
        &[
            "fc0: Linear(32, 16, bias = false)",
            "bn0: BatchNorm1d(16)",
            "act0: ReLU",
            "fc1: Linear(16, 16, bias = false)",
            "bn1: BatchNorm1d(16)",
            "act1: ReLU",
            "fc2: Linear(16, 4, bias = false)",
            "bn2: BatchNorm1d(4)",
            "act2: ReLU",
            "fc3: Linear(4, 16, bias = false)",
            "bn3: BatchNorm1d(16)",
            "act3: ReLU",
            "fc4: Linear(16, 16, bias = false)",
            "bn4: BatchNorm1d(16)",
            "act4: ReLU",
            "out: Linear(16, 32)",
        ],
    );
}

/// The worst deviations from PyTorch seen in one case.
#[derive(Default)]
struct Report {
    first_loss: Worst,
    first_grads: Worst,
    /// The first gradients at least `FIRST.abs` in size.
    first_grads_above_floor: Worst,
    /// The largest share of [`FIRST`] a first gradient uses.
    first_grads_used: f64,
    losses: Worst,
    final_state: StateDiff,
}

/// A layer as `case.json` spells it (`"Tanh()"`, `"Linear(32, 16, bias=False)"`) or as the
/// macro does (`"Tanh"`, `"Linear(32, 16, bias = false)"`), in one form for comparing.
fn spelling(layer: &str) -> String {
    let layer: String = layer.split_whitespace().collect::<String>().to_lowercase();
    layer.strip_suffix("()").unwrap_or(&layer).to_owned()
}

/// Loads case `name`, checks that `M` is the model it describes (`layers` is how the struct
/// above declares it), then trains `M` from the case's initial state as PyTorch did: in
/// training mode, mini-batches in data order, `zero_grad`, backward, `step`; the logged losses
/// and the accuracy in evaluation mode.
fn check_case<M, X, Y, L>(name: &str, layers: &[&str])
where
    M: TrainModel<X, Y> + Display + 'static,
    X: Tensor,
    Y: Tensor,
    L: GoldenLoss<Y>,
{
    let start = Instant::now();
    let case = Case::load(name);
    assert_eq!(
        case.layers.iter().map(|l| spelling(l)).collect::<Vec<_>>(),
        layers.iter().map(|l| spelling(l)).collect::<Vec<_>>(),
        "{name}: the test declares other layers than the case"
    );
    assert_eq!(
        case.named,
        layers.iter().all(|l| l.contains(':')),
        "{name}: the case and the test name the layers differently"
    );
    assert_eq!(
        case.input_shape,
        X::SHAPE.dims(),
        "{name}: the case's input shape"
    );
    assert_eq!(case.loss, L::NAME, "{name}: the case's loss");
    assert!(
        case.f32_vs_f64_max_param_diff < STABLE_DRIFT,
        "{name}: float32 and float64 PyTorch drift {} apart; the run is not stable",
        case.f32_vs_f64_max_param_diff
    );

    let mut model = M::zeros();
    load_state(name, &mut model, &case.init);
    assert_eq!(format!("{model}"), case.repr, "{name}: print(model)");

    let train_x = samples::<X>(name, "train_x", &case.train_x);
    let train_y = L::targets(name, "train_y", &case.train_y);
    let val_x = samples::<X>(name, "val_x", &case.val_x);
    let val_y = L::targets(name, "val_y", &case.val_y);
    let logged = case.losses();
    assert_eq!(
        logged.last().map(|&(epoch, _)| epoch),
        Some(case.epochs),
        "{name}: the last logged epoch is not the last epoch"
    );
    let loaded = start.elapsed();

    let loss_fn = L::default();
    let mut optimizer = case.optimizer::<M>();
    let mut grads = Grads::<M>::new();
    // No case has Dropout, so nothing is ever drawn from the generator.
    let mut train = Train::new(StdRng::seed_from_u64(0));
    let mut report = Report::default();
    let mut logged = logged.into_iter().peekable();

    for epoch in 1..=case.epochs {
        for (batch, (xs, ys)) in train_x
            .chunks(case.batch_size)
            .zip(train_y.chunks(case.batch_size))
            .enumerate()
        {
            grads.zero_grad(); // optimizer.zero_grad()
            // loss = loss_fn(model(xs), ys); loss.backward(), in training mode
            let loss = train
                .backward_loss(&mut model, &loss_fn, xs, ys, &mut grads)
                .unwrap_or_else(|e| panic!("{name}: epoch {epoch}, batch {batch}: {e}"));
            if epoch == 1 && batch == 0 {
                let what = format!("{name}: first_loss");
                assert_close(f64::from(loss), case.first_loss, FIRST, what);
                report.first_loss.record(f64::from(loss), case.first_loss);
                let what = format!("{name}: first_grads");
                report.first_grads = compare_params(&what, &*grads, &case.first_grads, Some(FIRST));
                (report.first_grads_above_floor, report.first_grads_used) =
                    above_floor(&*grads, &case.first_grads, FIRST);
            }
            optimizer.step(&mut model, &grads); // optimizer.step()
        }

        if logged.peek().is_some_and(|&(e, _)| e == epoch) {
            let (_, [train_ref, val_ref]) = logged.next().unwrap();
            // model.eval(); with torch.no_grad(): loss_fn(model(x), y)
            for (kind, xs, ys, reference) in [
                ("train", &train_x, &train_y, train_ref),
                ("val", &val_x, &val_y, val_ref),
            ] {
                let loss = loss_fn
                    .forward(&model.forward_batch(xs), ys)
                    .unwrap_or_else(|e| panic!("{name}: epoch {epoch}: {kind} loss: {e}"));
                let what = format!("{name}: epoch {epoch}: {kind} loss");
                assert_close(f64::from(loss), reference, LOSSES, what);
                report.losses.record(f64::from(loss), reference);
            }
        }
    }
    assert!(
        logged.next().is_none(),
        "{name}: a logged epoch was never reached"
    );

    let what = format!("{name}: final");
    report.final_state = compare_state(&what, &model, &case.final_, FINAL_STATE);

    let accuracy = L::accuracy(&model.forward_batch(&val_x), &val_y);
    assert_eq!(
        accuracy, case.val_accuracy,
        "{name}: validation accuracy (eval mode)"
    );

    let buffers = if M::NUM_BUFFERS == 0 {
        "none".to_owned()
    } else {
        report.final_state.buffers.to_string()
    };
    println!(
        "{name}: first loss {}; first grads {} ({} above the {:e} floor; {:.1}% of the \
         tolerance used); logged losses {}; final params {}; final buffers {}; val accuracy \
         {accuracy:?}; {:.2?} ({:.2?} loading the case)",
        report.first_loss,
        report.first_grads,
        report.first_grads_above_floor,
        FIRST.abs,
        report.first_grads_used * 100.0,
        report.losses,
        report.final_state.params,
        buffers,
        start.elapsed(),
        loaded,
    );
}

/// The `.safetensors` files beside each `case.json` hold the same `init` and `final` state,
/// bit for bit, with `num_batches_tracked` as `int64`.
#[test]
fn safetensors_match_case_json() {
    let root = common::golden2::golden2_dir("");
    let cases = common::files::assert_files_match_json(&root, |name| {
        let case = Case::load(name);
        (case.init, case.final_)
    });
    assert_eq!(cases, 5, "tests/golden2 should hold five cases");
}
