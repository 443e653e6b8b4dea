//! Finite-difference checks of every backward pass: each layer's parameter and input gradients,
//! the MSE loss's gradient, and a whole generated model's gradients; then gradient accumulation
//! and the errors of the batch functions.
//!
//! The reference is a central difference `(f(v + h) - f(v - h)) / (2h)` of the library's own
//! forward pass, with the objective summed in f64 from the f32 outputs, so the only noise is the
//! rounding of the f32 forward pass (about 1e-7 of a value, divided by `2h`).

mod common;
#[path = "gradcheck/model.rs"]
mod model;
#[path = "gradcheck/padding.rs"]
mod padding;

use common::{Tolerance, Worst, assert_close};
use nncore::prelude::*;
use nncore::{
    Error, Grads, Hardsigmoid, Hardswish, LeakyReLU, Linear, LinearNoBias, MSELoss, ReLU, ReLU6,
    Reduction, Sigmoid, Tanh,
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

/// Values uniform in `[lo, hi)`, each at least `KINK_MARGIN` from every one of `kinks`.
fn away_from<const N: usize>(rng: &mut StdRng, kinks: &[f32], lo: f32, hi: f32) -> [f32; N] {
    core::array::from_fn(|_| {
        loop {
            let v = rng.random_range(lo..hi);
            if kinks.iter().all(|k| (v - k).abs() >= KINK_MARGIN) {
                break v;
            }
        }
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

#[test]
fn hard_activations_away_from_the_kinks() {
    let mut rng = rng();
    // ReLU6 bends at 0 and 6, Hardswish and Hardsigmoid at ±3.
    let x: [f32; 16] = away_from(&mut rng, &[-3.0, 0.0, 3.0, 6.0], -5.0, 8.0);
    let dy: [f32; 16] = uniform(&mut rng, -1.0, 1.0);
    println!("ReLU6: {}", check_layer("ReLU6", &ReLU6, x, dy));
    println!("Hardswish: {}", check_layer("Hardswish", &Hardswish, x, dy));
    println!(
        "Hardsigmoid: {}",
        check_layer("Hardsigmoid", &Hardsigmoid, x, dy)
    );
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
    let formulas: [(&str, [f32; 8], Formula); 8] = [
        ("Tanh", Tanh.forward(&x), f64::tanh),
        ("Sigmoid", Sigmoid.forward(&x), |x| 1.0 / (1.0 + (-x).exp())),
        ("ReLU", ReLU.forward(&x), |x| x.max(0.0)),
        ("LeakyReLU", LeakyReLU::default().forward(&x), |x| {
            if x > 0.0 { x } else { 0.01 * x }
        }),
        ("LeakyReLU(0.2)", LeakyReLU::new(0.2).forward(&x), |x| {
            if x > 0.0 { x } else { f64::from(0.2f32) * x }
        }),
        ("ReLU6", ReLU6.forward(&x.map(|v| 2.0 * v)), |x| {
            (2.0 * x).clamp(0.0, 6.0)
        }),
        ("Hardswish", Hardswish.forward(&x), |x| {
            x * (x + 3.0).clamp(0.0, 6.0) / 6.0
        }),
        ("Hardsigmoid", Hardsigmoid.forward(&x), |x| {
            (x + 3.0).clamp(0.0, 6.0) / 6.0
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
