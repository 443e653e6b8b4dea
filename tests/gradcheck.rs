//! Finite-difference checks of every backward pass: each layer's parameter and input gradients,
//! the MSE loss's gradient, and a whole generated model's gradients; then gradient accumulation
//! and the errors of the batch functions.
//!
//! The reference is a central difference `(f(v + h) - f(v - h)) / (2h)` of the library's own
//! forward pass, with the objective summed in f64 from the f32 outputs, so the only noise is the
//! rounding of the f32 forward pass (about 1e-7 of a value, divided by `2h`).

mod common;

use common::{Tolerance, Worst, assert_close};
use nncore::prelude::*;
use nncore::{
    Error, Grads, LeakyReLU, Linear, LinearNoBias, MSELoss, ReLU, Reduction, Sigmoid, Tanh,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The finite-difference step.
const H: f32 = 1e-2;
/// How close an analytic gradient must be to its finite difference. With `H = 1e-2` the
/// truncation error of a smooth function is about `H² f''' / 6 ≈ 2e-5`; a wrong formula is
/// off by far more.
const FD: Tolerance = Tolerance {
    rel: 1e-3,
    abs: 1e-4,
};
/// Inputs of ReLU and LeakyReLU stay at least this far from the kink at 0, so that `v ± H`
/// never crosses it.
const KINK_MARGIN: f32 = 0.1;

fn rng() -> StdRng {
    StdRng::seed_from_u64(7)
}

/// Values uniform in `[lo, hi)`.
fn uniform<const N: usize>(rng: &mut StdRng, lo: f32, hi: f32) -> [f32; N] {
    core::array::from_fn(|_| rng.random_range(lo..hi))
}

/// Values in `±[KINK_MARGIN, hi)`, of random sign.
fn away_from_kink<const N: usize>(rng: &mut StdRng, hi: f32) -> [f32; N] {
    core::array::from_fn(|_| {
        let v = rng.random_range(KINK_MARGIN..hi);
        if rng.random() { v } else { -v }
    })
}

/// The central difference of `f` at `at`, divided by the step actually taken in f32.
fn central(f: impl Fn(f32) -> f64, at: f32) -> f64 {
    let (plus, minus) = (at + H, at - H);
    (f(plus) - f(minus)) / (f64::from(plus) - f64::from(minus))
}

/// `Σ c·v` in f64.
fn dot(values: &[f32], weights: &[f32]) -> f64 {
    values
        .iter()
        .zip(weights)
        .map(|(&v, &c)| f64::from(v) * f64::from(c))
        .sum()
}

/// A copy of `module` with element `index` of its parameter number `param` set to `value`.
fn with_param<M: Module + Clone>(module: &M, param: usize, index: usize, value: f32) -> M {
    let mut module = module.clone();
    module
        .parameters_mut()
        .nth(param)
        .expect("the parameter exists")
        .data[index] = value;
    module
}

/// Checks every gradient in `grads` against the finite difference of `objective` with respect
/// to the same parameter of `module`, and that all `M::NUM_PARAMS` values were checked.
fn check_param_grads<M: Module + Clone>(
    what: &str,
    module: &M,
    grads: &M,
    objective: impl Fn(&M) -> f64,
    worst: &mut Worst,
) {
    let mut checked = 0;
    for (p, (param, grad)) in module.parameters().zip(grads.parameters()).enumerate() {
        assert_eq!(param.name, grad.name);
        for (i, (&value, &analytic)) in param.data.iter().zip(grad.data).enumerate() {
            let numeric = central(|v| objective(&with_param(module, p, i, v)), value);
            let what = format_args!("{what}: d/d {}[{i}]", param.name);
            assert_close(f64::from(analytic), numeric, FD, what);
            worst.record(f64::from(analytic), numeric);
            checked += 1;
        }
    }
    assert_eq!(checked, M::NUM_PARAMS, "{what}: every parameter checked");
}

/// Checks `backward_input` and `backward_params` of `layer` at `x` against finite differences
/// of `Σ dy · forward(x)`.
fn check_layer<L, const IN: usize, const OUT: usize>(
    what: &str,
    layer: &L,
    x: [f32; IN],
    dy: [f32; OUT],
) -> Worst
where
    L: Layer<[f32; IN], [f32; OUT]> + Clone,
{
    let mut worst = Worst::default();
    let objective = |layer: &L, x: &[f32; IN]| dot(&layer.forward(x), &dy);
    let y = layer.forward(&x);

    let dx = layer.backward_input(&x, &y, &dy);
    for i in 0..IN {
        let numeric = central(
            |v| {
                let mut x = x;
                x[i] = v;
                objective(layer, &x)
            },
            x[i],
        );
        let label = format_args!("{what}: d/dx[{i}]");
        assert_close(f64::from(dx[i]), numeric, FD, label);
        worst.record(f64::from(dx[i]), numeric);
    }

    let mut grads = L::zeros();
    layer.backward_params(&x, &y, &dy, &mut grads);
    check_param_grads(what, layer, &grads, |l| objective(l, &x), &mut worst);
    worst
}

#[test]
fn linear() {
    let mut rng = rng();
    let layer = Linear::<3, 4>::init(&mut rng);
    let worst = check_layer(
        "Linear",
        &layer,
        uniform(&mut rng, -1.0, 1.0),
        uniform(&mut rng, -1.0, 1.0),
    );
    println!("Linear: {worst}");
}

#[test]
fn linear_no_bias() {
    let mut rng = rng();
    let layer = LinearNoBias::<4, 3>::init(&mut rng);
    let worst = check_layer(
        "LinearNoBias",
        &layer,
        uniform(&mut rng, -1.0, 1.0),
        uniform(&mut rng, -1.0, 1.0),
    );
    println!("LinearNoBias: {worst}");
}

#[test]
fn tanh() {
    let mut rng = rng();
    let worst = check_layer::<_, 8, 8>(
        "Tanh",
        &Tanh,
        uniform(&mut rng, -3.0, 3.0),
        uniform(&mut rng, -1.0, 1.0),
    );
    println!("Tanh: {worst}");
}

#[test]
fn sigmoid() {
    let mut rng = rng();
    let worst = check_layer::<_, 8, 8>(
        "Sigmoid",
        &Sigmoid,
        uniform(&mut rng, -4.0, 4.0),
        uniform(&mut rng, -1.0, 1.0),
    );
    println!("Sigmoid: {worst}");
}

#[test]
fn relu_away_from_the_kink() {
    let mut rng = rng();
    let worst = check_layer::<_, 8, 8>(
        "ReLU",
        &ReLU,
        away_from_kink(&mut rng, 2.0),
        uniform(&mut rng, -1.0, 1.0),
    );
    println!("ReLU: {worst}");
}

#[test]
fn leaky_relu_away_from_the_kink() {
    let mut rng = rng();
    for slope in [0.01, 0.1, 0.5] {
        let what = format!("LeakyReLU({slope})");
        let worst = check_layer::<_, 8, 8>(
            &what,
            &LeakyReLU::new(slope),
            away_from_kink(&mut rng, 2.0),
            uniform(&mut rng, -1.0, 1.0),
        );
        println!("{what}: {worst}");
    }
}

/// The layers' forward passes against their formulas evaluated in f64.
#[test]
fn forward_matches_the_formulas() {
    const CLOSE: Tolerance = Tolerance {
        rel: 1e-6,
        abs: 1e-7,
    };
    let mut rng = rng();
    let x: [f32; 8] = uniform(&mut rng, -4.0, 4.0);
    type Formula = fn(f64) -> f64;
    let formulas: [(&str, [f32; 8], Formula); 5] = [
        ("Tanh", Tanh.forward(&x), f64::tanh),
        ("Sigmoid", Sigmoid.forward(&x), |x| 1.0 / (1.0 + (-x).exp())),
        ("ReLU", ReLU.forward(&x), |x| x.max(0.0)),
        ("LeakyReLU", LeakyReLU::default().forward(&x), |x| {
            if x > 0.0 { x } else { 0.01 * x }
        }),
        ("LeakyReLU(0.2)", LeakyReLU::new(0.2).forward(&x), |x| {
            if x > 0.0 { x } else { f64::from(0.2f32) * x }
        }),
    ];
    for (name, y, formula) in formulas {
        for i in 0..8 {
            let expected = formula(f64::from(x[i]));
            assert_close(
                f64::from(y[i]),
                expected,
                CLOSE,
                format_args!("{name}[{i}]"),
            );
        }
    }

    let layer = Linear::<3, 2>::init(&mut rng);
    let x: [f32; 3] = uniform(&mut rng, -1.0, 1.0);
    let y = layer.forward(&x);
    let no_bias = LinearNoBias {
        weight: layer.weight,
    }
    .forward(&x);
    for o in 0..2 {
        let wx = dot(&layer.weight[o], &x);
        let what = format_args!("Linear[{o}]");
        assert_close(f64::from(y[o]), wx + f64::from(layer.bias[o]), CLOSE, what);
        let what = format_args!("LinearNoBias[{o}]");
        assert_close(f64::from(no_bias[o]), wx, CLOSE, what);
    }
}

/// `Loss::backward` and `sample_grad` against finite differences of `Loss::forward`, for the
/// mean and the sum.
#[test]
fn mse_loss() {
    let mut rng = rng();
    let preds: Vec<[f32; 3]> = (0..4).map(|_| uniform(&mut rng, -2.0, 2.0)).collect();
    let targets: Vec<[f32; 3]> = (0..4).map(|_| uniform(&mut rng, -2.0, 2.0)).collect();
    for (reduction, divisor) in [(Reduction::Mean, 12.0), (Reduction::Sum, 1.0)] {
        let loss_fn = MSELoss::with_reduction(reduction);
        let what = format!("MSELoss {reduction:?}");

        let value = loss_fn.forward(&preds, &targets).unwrap();
        let squares: f64 = preds
            .iter()
            .zip(&targets)
            .flat_map(|(p, t)| p.iter().zip(t))
            .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
            .sum();
        let value_tol = Tolerance::relative(1e-6);
        assert_close(f64::from(value), squares / divisor, value_tol, &what);

        let grads = loss_fn.backward(&preds, &targets).unwrap();
        let scale = Loss::<[f32; 3]>::scale(&loss_fn, preds.len(), targets.len()).unwrap();
        let mut worst = Worst::default();
        for (s, (pred, target)) in preds.iter().zip(&targets).enumerate() {
            assert_eq!(
                grads[s],
                loss_fn.sample_grad(pred, target, scale),
                "{what}: backward and sample_grad, sample {s}"
            );
            for i in 0..3 {
                let numeric = central(
                    |v| {
                        let mut preds = preds.clone();
                        preds[s][i] = v;
                        f64::from(loss_fn.forward(&preds, &targets).unwrap())
                    },
                    pred[i],
                );
                let label = format_args!("{what}: d/dpred[{s}][{i}]");
                assert_close(f64::from(grads[s][i]), numeric, FD, label);
                worst.record(f64::from(grads[s][i]), numeric);
            }
        }
        println!("{what}: {worst}");
    }
}

nncore::sequential! {
    /// Every layer kind, named form.
    struct Every {
        first: Linear(3, 6),
        tanh: Tanh,
        no_bias: Linear(6, 5, bias = false),
        leaky: LeakyReLU(0.1),
        third: Linear(5, 4),
        relu: ReLU,
        fourth: Linear(4, 4),
        sigmoid: Sigmoid,
        out: Linear(4, 2),
    }
}

nncore::sequential! {
    /// The tuple form, with PyTorch's default LeakyReLU slope.
    struct Indexed(Linear(2, 3), LeakyReLU, Linear(3, 2, bias = false), Sigmoid);
}

/// Which side of the kink each ReLU and LeakyReLU input of `Every` is on, for every sample.
fn every_kinks(model: &Every, xs: &[[f32; 3]]) -> Vec<bool> {
    let mut sides = Vec::new();
    for x in xs {
        let z = model
            .no_bias
            .forward(&model.tanh.forward(&model.first.forward(x)));
        let w = model.third.forward(&model.leaky.forward(&z));
        sides.extend(z.iter().chain(&w).map(|&v| v > 0.0));
    }
    sides
}

/// Which side of the kink each LeakyReLU input of `Indexed` is on, for every sample.
fn indexed_kinks(model: &Indexed, xs: &[[f32; 2]]) -> Vec<bool> {
    xs.iter()
        .flat_map(|x| model.0.forward(x))
        .map(|v| v > 0.0)
        .collect()
}

/// The mean squared error of f32 predictions, in f64.
fn mse_f64<const N: usize>(preds: &[[f32; N]], targets: &[[f32; N]]) -> f64 {
    let squares: f64 = preds
        .iter()
        .zip(targets)
        .flat_map(|(p, t)| p.iter().zip(t))
        .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
        .sum();
    squares / (preds.len() * N) as f64
}

/// A model's `backward_loss` and `backward` against finite differences of its forward pass.
///
/// `kinks` tells which side of 0 each ReLU-like input is on: a difference is only valid if no
/// step moves one across, which is asserted.
fn check_model<M, const IN: usize, const OUT: usize>(
    what: &str,
    model: &M,
    xs: &[[f32; IN]],
    targets: &[[f32; OUT]],
    dys: &[[f32; OUT]],
    kinks: impl Fn(&M, &[[f32; IN]]) -> Vec<bool>,
) where
    M: Model<[f32; IN], [f32; OUT]> + Clone + PartialEq + std::fmt::Debug,
{
    let loss_fn = MSELoss::new();
    let mut grads = Grads::<M>::new();
    let loss = model
        .backward_loss(&loss_fn, xs, targets, &mut grads)
        .unwrap();
    let forward_loss = loss_fn.forward(&model.forward_batch(xs), targets).unwrap();
    // The fused pass reduces the same sum the same way as `forward`: the same bits.
    assert_eq!(
        loss.to_bits(),
        forward_loss.to_bits(),
        "{what}: backward_loss's value {loss} vs forward's {forward_loss}"
    );
    let sides = kinks(model, xs);
    let smooth = |m: &M| {
        assert!(
            kinks(m, xs) == sides,
            "{what}: a finite-difference step crossed a kink; use other inputs"
        );
    };
    let mut worst = Worst::default();
    let objective = |m: &M| {
        smooth(m);
        mse_f64(&m.forward_batch(xs), targets)
    };
    check_param_grads(
        &format!("{what} backward_loss"),
        model,
        &grads,
        objective,
        &mut worst,
    );

    let mut grads = Grads::<M>::new();
    model.backward(xs, dys, &mut grads).unwrap();
    let objective = |m: &M| {
        smooth(m);
        let preds = m.forward_batch(xs);
        preds.iter().zip(dys).map(|(p, d)| dot(p, d)).sum::<f64>()
    };
    check_param_grads(
        &format!("{what} backward"),
        model,
        &grads,
        objective,
        &mut worst,
    );
    println!("{what}: {worst}");
}

#[test]
fn whole_model() {
    // A seed whose weights and inputs keep every ReLU input more than a step from its kink
    // (`check_model` asserts it).
    let mut rng = StdRng::seed_from_u64(4);
    let model = Every::init(&mut rng);
    let xs: Vec<[f32; 3]> = (0..4).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let targets: Vec<[f32; 2]> = (0..4).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let dys: Vec<[f32; 2]> = (0..4).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    check_model("Every", &model, &xs, &targets, &dys, every_kinks);

    let model = Indexed::init(&mut rng);
    let xs: Vec<[f32; 2]> = (0..5).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let targets: Vec<[f32; 2]> = (0..5).map(|_| uniform(&mut rng, 0.0, 1.0)).collect();
    let dys: Vec<[f32; 2]> = (0..5).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    check_model("Indexed", &model, &xs, &targets, &dys, indexed_kinks);
}

/// `model.backward(xs, loss_fn.backward(preds, targets))` gives the same gradients, bit for bit,
/// as the fused `backward_loss`.
#[test]
fn backward_and_backward_loss_agree() {
    let mut rng = rng();
    let model = Every::init(&mut rng);
    let xs: Vec<[f32; 3]> = (0..6).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let targets: Vec<[f32; 2]> = (0..6).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    for reduction in [Reduction::Mean, Reduction::Sum] {
        let loss_fn = MSELoss::with_reduction(reduction);
        let mut fused = Grads::<Every>::new();
        model
            .backward_loss(&loss_fn, &xs, &targets, &mut fused)
            .unwrap();
        let mut split = Grads::<Every>::new();
        let dys = loss_fn
            .backward(&model.forward_batch(&xs), &targets)
            .unwrap();
        model.backward(&xs, &dys, &mut split).unwrap();
        assert_eq!(fused, split, "{reduction:?}");
    }
}

/// Backward adds into the gradients until `zero_grad`, as PyTorch's `.grad` does.
#[test]
fn gradients_accumulate_until_zero_grad() {
    let mut rng = rng();
    let model = Every::init(&mut rng);
    let loss_fn = MSELoss::new();
    let xs: Vec<[f32; 3]> = (0..5).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let targets: Vec<[f32; 2]> = (0..5).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let gradients = |xs: &[[f32; 3]], targets: &[[f32; 2]]| {
        let mut grads = Grads::<Every>::new();
        model
            .backward_loss(&loss_fn, xs, targets, &mut grads)
            .unwrap();
        grads
    };

    // One sample twice: `g + g` is exactly `2g`.
    let once = gradients(&xs[..1], &targets[..1]);
    let mut twice = once.clone();
    model
        .backward_loss(&loss_fn, &xs[..1], &targets[..1], &mut twice)
        .unwrap();
    for (g1, g2) in once.parameters().zip(twice.parameters()) {
        for (i, (&a, &b)) in g1.data.iter().zip(g2.data).enumerate() {
            assert_eq!(b, 2.0 * a, "{}[{i}] after two backward calls", g1.name);
        }
    }

    // Two batches: the sum of their gradients.
    let (a, b) = (
        gradients(&xs[..2], &targets[..2]),
        gradients(&xs[2..], &targets[2..]),
    );
    let mut both = Grads::<Every>::new();
    model
        .backward_loss(&loss_fn, &xs[..2], &targets[..2], &mut both)
        .unwrap();
    let mut dys = vec![[0.0; 2]; 3];
    loss_fn
        .backward_into(&model.forward_batch(&xs[2..]), &targets[2..], &mut dys)
        .unwrap();
    model.backward(&xs[2..], &dys, &mut both).unwrap();
    for ((ga, gb), g) in a.parameters().zip(b.parameters()).zip(both.parameters()) {
        for i in 0..g.data.len() {
            let sum = f64::from(ga.data[i]) + f64::from(gb.data[i]);
            let what = format_args!("{}[{i}] after two batches", g.name);
            assert_close(f64::from(g.data[i]), sum, Tolerance::absolute(1e-6), what);
        }
    }

    both.zero_grad();
    assert_eq!(both, Grads::new(), "zero_grad clears every gradient");
    model
        .backward_loss(&loss_fn, &xs[..2], &targets[..2], &mut both)
        .unwrap();
    assert_eq!(both, a, "after zero_grad, backward starts from zero");
}

/// Bad batches come back as the matching `Error`, and leave the gradients as they were.
#[test]
fn batch_errors_leave_gradients_unchanged() {
    let mut rng = rng();
    let model = Every::init(&mut rng);
    let xs: Vec<[f32; 3]> = (0..3).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let targets: Vec<[f32; 2]> = (0..3).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    let mut grads = Grads::<Every>::new();
    model
        .backward_loss(&MSELoss::new(), &xs, &targets, &mut grads)
        .unwrap();
    let before = grads.clone();
    assert_ne!(before, Grads::new(), "the gradients start non-zero");

    let short = Error::BatchLength {
        what: "targets",
        expected: 3,
        found: 2,
    };
    let err = model.backward_loss(&MSELoss::new(), &xs, &targets[..2], &mut grads);
    assert_eq!(err, Err(short.clone()), "backward_loss, short targets");
    assert_eq!(grads, before);

    let err = model.backward(&xs, &[[0.5; 2]; 4], &mut grads);
    let long = Error::BatchLength {
        what: "output gradients",
        expected: 3,
        found: 4,
    };
    assert_eq!(err, Err(long), "backward, too many output gradients");
    assert_eq!(grads, before);

    let err = model.backward_loss(&MSELoss::new(), &[], &[], &mut grads);
    assert_eq!(
        err,
        Err(Error::EmptyBatch),
        "backward_loss, mean of nothing"
    );
    assert_eq!(grads, before);

    let sum = MSELoss::with_reduction(Reduction::Sum);
    assert_eq!(model.backward_loss(&sum, &[], &[], &mut grads), Ok(0.0));
    assert_eq!(grads, before, "the sum over no samples adds nothing");

    let none = MSELoss::with_reduction(Reduction::None);
    let err = model.backward_loss(&none, &xs, &targets, &mut grads);
    assert_eq!(err, Err(Error::Unreduced), "backward_loss, reduction none");
    assert_eq!(grads, before);

    let preds = model.forward_batch(&xs);
    assert_eq!(none.forward(&preds, &targets), Err(Error::Unreduced));
    assert_eq!(none.backward(&preds, &targets), Err(Error::Unreduced));
    assert_eq!(
        MSELoss::new().forward(&preds, &targets[..2]),
        Err(short.clone())
    );
    assert_eq!(
        MSELoss::new().forward(&[], &[] as &[[f32; 2]]),
        Err(Error::EmptyBatch)
    );

    let mut out = [[0.0; 2]; 2];
    let err = model.forward_into(&xs, &mut out);
    let wrong_out = Error::BatchLength {
        what: "output",
        expected: 3,
        found: 2,
    };
    assert_eq!(err, Err(wrong_out), "forward_into, short output");
}
