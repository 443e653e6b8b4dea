//! Values against PyTorch's documented formulas, and gradients against finite differences.
//!
//! Expected values were computed once in float64 from the formulas in PyTorch's documentation
//! of each loss (`torch.nn.L1Loss`, `HuberLoss`, `SmoothL1Loss`, `BCEWithLogitsLoss`,
//! `CrossEntropyLoss`, `NLLLoss`), written with Python's `math` module independently of this crate.

// The test harness links `std` in every configuration of the crate.
extern crate std;

use super::*;
use crate::error::Error;

const P: [[f32; 3]; 2] = [[0.5, -1.2, 2.0], [-0.3, 0.8, -2.5]];
const T: [[f32; 3]; 2] = [[0.0, -1.0, 0.4], [1.0, 0.8, 0.0]];

fn close(found: f32, expected: f64, what: &str) {
    let tolerance = 1e-6 + 1e-5 * expected.abs();
    assert!(
        (f64::from(found) - expected).abs() <= tolerance,
        "{what}: found {found}, expected {expected}"
    );
}

/// Checks the loss's mean, sum and per-element values against PyTorch's.
fn check_values<L: Pointwise>(
    make: impl Fn(Reduction) -> L,
    preds: &[[f32; 3]; 2],
    targets: &[[f32; 3]; 2],
    expected: (f64, f64, [f64; 6]),
) {
    let (mean, sum, each) = expected;
    close(
        make(Reduction::Mean).forward(preds, targets).unwrap(),
        mean,
        "mean",
    );
    close(
        make(Reduction::Sum).forward(preds, targets).unwrap(),
        sum,
        "sum",
    );
    assert_eq!(
        make(Reduction::None).forward(preds, targets),
        Err(Error::Unreduced)
    );
    let mut out = [[0.0; 3]; 2];
    make(Reduction::None)
        .elementwise_into(preds, targets, &mut out)
        .unwrap();
    for (found, expected) in out.as_flattened().iter().zip(each) {
        close(*found, expected, "elementwise");
    }
}

/// Compares `backward_into` with central differences of `forward`, for every prediction.
fn check_grads<const N: usize, L: Loss<[f32; N]>>(
    loss: &L,
    preds: &[[f32; N]; 2],
    targets: &[L::Target],
) {
    let mut grads = [[0.0; N]; 2];
    loss.backward_into(preds, targets, &mut grads).unwrap();
    let h = 1e-2;
    for s in 0..2 {
        for i in 0..N {
            let (mut up, mut down) = (*preds, *preds);
            up[s][i] += h;
            down[s][i] -= h;
            let numeric = (loss.forward(&up, targets).unwrap()
                - loss.forward(&down, targets).unwrap())
                / (2.0 * h);
            let analytic = grads[s][i];
            assert!(
                (numeric - analytic).abs() <= 2e-3 + 1e-2 * analytic.abs(),
                "d/dpred[{s}][{i}]: finite difference {numeric}, backward {analytic}"
            );
        }
    }
}

/// Predictions away from every kink (`|d|` of 0, 0.5 and 1), for finite differences.
fn smooth_preds() -> [[f32; 3]; 2] {
    let mut p = P;
    p.as_flattened_mut().iter_mut().for_each(|v| *v += 0.13);
    p
}

/// Mean, sum and per-element values of a loss of `P` against `T`.
type Values = (f64, f64, [f64; 6]);

/// `|P - T|`, which the smooth L1 loss with `beta = 0` is too.
const L1: Values = (1.0166666666666666, 6.1, [0.5, 0.2, 1.6, 1.3, 0.0, 2.5]);

#[test]
fn l1_matches_pytorch() {
    check_values(L1Loss::with_reduction, &P, &T, L1);
    for reduction in [Reduction::Mean, Reduction::Sum] {
        check_grads(&L1Loss::with_reduction(reduction), &smooth_preds(), &T);
    }
}

#[test]
fn huber_and_smooth_l1_match_pytorch() {
    let huber = |delta| move |r| HuberLoss::with(r, delta).unwrap();
    let smooth_l1 = |beta| move |r| SmoothL1Loss::with(r, beta).unwrap();
    // With a threshold of 1 the two losses are one function.
    let at_one = (0.6741666666666667, 4.045, [0.125, 0.02, 1.1, 0.8, 0.0, 2.0]);
    check_values(huber(1.0), &P, &T, at_one);
    check_values(smooth_l1(1.0), &P, &T, at_one);
    let huber_half = (
        0.4116666666666667,
        2.47,
        [0.125, 0.02, 0.675, 0.525, 0.0, 1.125],
    );
    check_values(huber(0.5), &P, &T, huber_half);
    let smooth_l1_half = (
        0.8233333333333334,
        4.94,
        [0.25, 0.04, 1.35, 1.05, 0.0, 2.25],
    );
    check_values(smooth_l1(0.5), &P, &T, smooth_l1_half);
    check_values(smooth_l1(0.0), &P, &T, L1);
    for threshold in [1.0, 0.5, 0.1] {
        check_grads(&huber(threshold)(Reduction::Mean), &smooth_preds(), &T);
        check_grads(&smooth_l1(threshold)(Reduction::Sum), &smooth_preds(), &T);
    }
    check_grads(&smooth_l1(0.0)(Reduction::Sum), &smooth_preds(), &T);
    assert_eq!(HuberLoss::default(), huber(1.0)(Reduction::Mean));
    assert_eq!(SmoothL1Loss::default(), smooth_l1(1.0)(Reduction::Mean));
    assert!(matches!(
        HuberLoss::with(Reduction::Mean, 0.0),
        Err(Error::Hyperparameter { name: "delta", .. })
    ));
    assert!(matches!(
        SmoothL1Loss::with(Reduction::Mean, -1.0),
        Err(Error::Hyperparameter { name: "beta", .. })
    ));
}

#[test]
fn bce_with_logits_matches_pytorch_and_is_stable() {
    let logits = [[0.5, -1.2, 30.0], [-0.3, 0.8, -40.0]];
    let targets = [[0.0, 1.0, 0.3], [1.0, 0.5, 0.0]];
    check_values(
        BCEWithLogitsLoss::with_reduction,
        &logits,
        &targets,
        (
            4.177135893655755,
            25.062815361934533,
            [
                0.9740769841801067,
                1.4632824673380311,
                21.000000000000092,
                0.8543552444685272,
                0.7711006659477777,
                4.248354255291589e-18,
            ],
        ),
    );
    check_grads(&BCEWithLogitsLoss::new(), &logits, &targets);
}

#[test]
fn cross_entropy_matches_pytorch_and_is_stable() {
    let logits = [[1.0, 2.0, 0.5], [100.0, -50.0, 3.0]];
    let classes = [1, 2];
    let cases = [
        (0.0, 48.73218439205397, [0.46436878410794513, 97.0]),
        (
            0.1,
            48.0405177253873,
            [0.5477021174412784, 95.53333333333333],
        ),
    ];
    for (eps, mean, each) in cases {
        let make = |r| {
            CrossEntropyLoss::with_reduction(r)
                .with_label_smoothing(eps)
                .unwrap()
        };
        close(
            make(Reduction::Mean).forward(&logits, &classes).unwrap(),
            mean,
            "mean",
        );
        close(
            make(Reduction::Sum).forward(&logits, &classes).unwrap(),
            2.0 * mean,
            "sum",
        );
        let mut out = [0.0; 2];
        make(Reduction::None)
            .elementwise_into(&logits, &classes, &mut out)
            .unwrap();
        close(out[0], each[0], "sample 0");
        close(out[1], each[1], "sample 1");
        check_grads(&make(Reduction::Mean), &logits, &classes);
        check_grads(
            &make(Reduction::Sum),
            &[[0.3, -0.2, 1.1], [2.0, 0.0, -1.0]],
            &classes,
        );
    }
    assert!(CrossEntropyLoss::new().with_label_smoothing(1.5).is_err());
}

#[test]
fn cross_entropy_rejects_a_class_out_of_range() {
    let logits = [[1.0, 2.0, 0.5], [0.0, 0.0, 0.0]];
    let error = Error::ClassIndex {
        sample: 1,
        class: 3,
        classes: 3,
    };
    let expected = Err(error.clone());
    let loss = CrossEntropyLoss::new();
    assert_eq!(
        loss.forward(&logits, &[0, 3]),
        expected.clone().map(|()| 0.0)
    );
    assert_eq!(
        loss.backward_into(&logits, &[0, 3], &mut [[0.0; 3]; 2]),
        expected.clone()
    );
    assert_eq!(
        loss.elementwise_into(&logits, &[0, 3], &mut [0.0; 2]),
        expected.clone()
    );
    let message = std::format!("{error}");
    assert_eq!(
        message,
        "sample 1 has target class 3, but the model has 3 classes (0..3)"
    );
}

#[test]
fn backward_loss_reports_a_bad_class_and_leaves_gradients_alone() {
    use crate::grads::Grads;
    crate::sequential! { struct Net(Linear(2, 3)); }
    let mut net = Net::ZERO;
    net.0.bias = [0.1, 0.2, 0.3];
    let mut grads = Grads::<Net>::new();
    let xs = [[1.0, 2.0], [3.0, 4.0]];
    let result = net.backward_loss(&CrossEntropyLoss::new(), &xs, &[2, 7], &mut grads);
    assert_eq!(
        result,
        Err(Error::ClassIndex {
            sample: 1,
            class: 7,
            classes: 3
        })
    );
    assert_eq!(grads, Grads::new());
    let loss = net.backward_loss(&CrossEntropyLoss::new(), &xs, &[2, 0], &mut grads);
    assert!(loss.is_ok());
    assert_ne!(grads, Grads::new());
}

#[test]
fn nll_matches_pytorch() {
    let log_probs = [[-0.5, -1.2, -2.0], [-0.3, -0.8, -2.5]];
    let classes = [1, 2];
    close(
        NLLLoss::new().forward(&log_probs, &classes).unwrap(),
        1.85,
        "mean",
    );
    close(
        NLLLoss::with_reduction(Reduction::Sum)
            .forward(&log_probs, &classes)
            .unwrap(),
        3.7,
        "sum",
    );
    let none = NLLLoss::with_reduction(Reduction::None);
    assert_eq!(none.forward(&log_probs, &classes), Err(Error::Unreduced));
    let mut out = [0.0; 2];
    none.elementwise_into(&log_probs, &classes, &mut out)
        .unwrap();
    assert_eq!(out, [1.2, 2.5]);
    let mut grads = [[0.0; 3]; 2];
    NLLLoss::new()
        .backward_into(&log_probs, &classes, &mut grads)
        .unwrap();
    assert_eq!(grads, [[0.0, -0.5, 0.0], [0.0, 0.0, -0.5]]);
    check_grads(&NLLLoss::new(), &log_probs, &classes);
    check_grads(&NLLLoss::with_reduction(Reduction::Sum), &P, &classes);
    assert_eq!(NLLLoss::default(), NLLLoss::new());
}

#[test]
fn nll_rejects_a_class_out_of_range() {
    let log_probs = [[-1.0, -2.0], [-0.5, -0.9]];
    let expected = Err(Error::ClassIndex {
        sample: 0,
        class: 2,
        classes: 2,
    });
    let loss = NLLLoss::new();
    assert_eq!(
        loss.forward(&log_probs, &[2, 0]),
        expected.clone().map(|()| 0.0)
    );
    assert_eq!(
        loss.backward_into(&log_probs, &[2, 0], &mut [[0.0; 2]; 2]),
        expected.clone()
    );
    assert_eq!(
        loss.elementwise_into(&log_probs, &[2, 0], &mut [0.0; 2]),
        expected
    );
}

/// `NLLLoss(LogSoftmax(x))` is `CrossEntropyLoss(x)`: the same loss, and through the two
/// backward passes the same gradient with respect to the logits.
#[test]
fn nll_after_log_softmax_is_cross_entropy() {
    use crate::layers::activation::softmax::LogSoftmax;
    use crate::module::Layer;
    let logits = [
        [1.0, 2.0, 0.5, -1.0],
        [100.0, -50.0, 3.0, 99.5],
        [1e4, 0.0, -1e4, 1e4 - 2.0],
    ];
    let classes = [1, 3, 0];
    let layer = LogSoftmax::new(1);
    let log_probs = logits.map(|x| layer.forward(&x));
    for reduction in [Reduction::Mean, Reduction::Sum] {
        let (nll, ce) = (
            NLLLoss::with_reduction(reduction),
            CrossEntropyLoss::with_reduction(reduction),
        );
        let expected = ce.forward(&logits, &classes).unwrap();
        let found = nll.forward(&log_probs, &classes).unwrap();
        assert!(
            (found - expected).abs() <= 1e-6 * (1.0 + expected.abs()),
            "{reduction:?}: NLLLoss(LogSoftmax) {found}, CrossEntropyLoss {expected}"
        );
        let mut ce_grads = [[0.0; 4]; 3];
        ce.backward_into(&logits, &classes, &mut ce_grads).unwrap();
        let mut dlog = [[0.0; 4]; 3];
        nll.backward_into(&log_probs, &classes, &mut dlog).unwrap();
        for s in 0..3 {
            let dx = layer.backward_input(&logits[s], &log_probs[s], &dlog[s]);
            for i in 0..4 {
                assert!(
                    (dx[i] - ce_grads[s][i]).abs() <= 1e-6,
                    "{reduction:?} d/dx[{s}][{i}]: through LogSoftmax {}, CrossEntropyLoss {}",
                    dx[i],
                    ce_grads[s][i]
                );
            }
        }
    }
}

/// With the prelude's traits in scope (`Loss` and `Pointwise` among them), `.reduction()` is
/// one method, `Reduce::reduction`, for every loss.
mod with_prelude {
    use crate::loss::Reduction;
    use crate::loss::bce_with_logits::BCEWithLogitsLoss;
    use crate::loss::cross_entropy::CrossEntropyLoss;
    use crate::loss::huber::HuberLoss;
    use crate::loss::l1::L1Loss;
    use crate::loss::mse::MSELoss;
    use crate::loss::nll::NLLLoss;
    use crate::loss::smooth_l1::SmoothL1Loss;
    use crate::prelude::*;

    #[test]
    fn reduction_is_one_method() {
        let sum = Reduction::Sum;
        assert_eq!(MSELoss::with_reduction(sum).reduction(), sum);
        assert_eq!(L1Loss::with_reduction(sum).reduction(), sum);
        assert_eq!(HuberLoss::with(sum, 0.5).unwrap().reduction(), sum);
        assert_eq!(SmoothL1Loss::with(sum, 0.5).unwrap().reduction(), sum);
        assert_eq!(BCEWithLogitsLoss::with_reduction(sum).reduction(), sum);
        assert_eq!(CrossEntropyLoss::with_reduction(sum).reduction(), sum);
        assert_eq!(NLLLoss::with_reduction(sum).reduction(), sum);
        assert_eq!(MSELoss::new().reduction(), Reduction::Mean);
        // And through the traits' bounds, in generic code.
        fn through_loss<L: Loss<[f32; 2]>>(loss: &L) -> Reduction {
            loss.reduction()
        }
        fn through_pointwise<L: Pointwise>(loss: &L) -> Reduction {
            loss.reduction()
        }
        assert_eq!(through_loss(&L1Loss::with_reduction(sum)), sum);
        assert_eq!(through_loss(&CrossEntropyLoss::with_reduction(sum)), sum);
        assert_eq!(through_loss(&NLLLoss::with_reduction(sum)), sum);
        assert_eq!(through_pointwise(&MSELoss::with_reduction(sum)), sum);
    }
}
