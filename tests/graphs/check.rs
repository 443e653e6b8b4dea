//! The checks every model goes through: each gradient path against finite differences of the
//! library's own forward pass and against the other paths.

use std::fmt::Debug;

use crate::common::{Tolerance, assert_close};
use nncore::prelude::*;
use nncore::{Grads, MSELoss, Train};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The finite-difference step, as in `tests/gradcheck.rs`.
pub const H: f32 = 1e-2;
/// How close an analytic gradient must be to its finite difference, as in `tests/gradcheck.rs`:
/// the truncation error of a smooth function at `H = 1e-2` is about `H² f''' / 6 ≈ 2e-5`, and a
/// wrong formula is off by far more.
pub const FD: Tolerance = Tolerance {
    rel: 1e-3,
    abs: 1e-4,
};
/// Two sums of the same f32 terms in another order: the gradients here are sums of at most a
/// few hundred terms of magnitude below 10, each rounding costing at most 6e-8 of the running
/// sum, so an order changes a sum by well under 1e-5 of it; a missing or doubled term is off by
/// far more.
pub const ROUNDING: Tolerance = Tolerance {
    rel: 1e-5,
    abs: 1e-6,
};

/// The largest deviations from finite differences in a group of checks, and the largest share
/// of `FD` any of them used.
#[derive(Clone, Copy, Debug, Default)]
pub struct Worst {
    abs: f64,
    rel: f64,
    used: f64,
}

impl Worst {
    fn record(&mut self, analytic: f64, numeric: f64) {
        let diff = (analytic - numeric).abs();
        self.abs = self.abs.max(diff);
        self.rel = self.rel.max(crate::common::rel_diff(analytic, numeric));
        self.used = self
            .used
            .max((diff / FD.abs).min(diff / (FD.rel * numeric.abs())));
    }
}

impl std::fmt::Display for Worst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Worst { abs, rel, used } = self;
        write!(
            f,
            "max abs {abs:.2e}, max rel {rel:.2e}, {:.0}% of the tolerance",
            used * 100.0
        )
    }
}

/// How two paths' results must agree.
#[derive(Clone, Copy, Debug)]
pub enum Agree {
    /// The same bits: the same terms added in the same order.
    Bits,
    /// Within [`ROUNDING`]: the same terms, added in another order.
    Rounding,
}

/// A seeded generator.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A sample of any shape, its values uniform in `[lo, hi)`.
pub fn sample<T: Tensor>(rng: &mut StdRng, lo: f32, hi: f32) -> T {
    let mut t = T::ZERO;
    for v in t.flat_mut() {
        *v = rng.random_range(lo..hi);
    }
    t
}

/// `len` samples.
pub fn batch<T: Tensor>(rng: &mut StdRng, len: usize, lo: f32, hi: f32) -> Vec<T> {
    (0..len).map(|_| sample(rng, lo, hi)).collect()
}

/// A finite difference of `f` at `at`.
pub type Difference = fn(&dyn Fn(f32) -> f64, f32) -> f64;

/// The central difference of `f` at `at` with step `h`, divided by the step actually taken in
/// f32.
fn central_with(f: &dyn Fn(f32) -> f64, at: f32, h: f32) -> f64 {
    let (plus, minus) = (at + h, at - h);
    (f(plus) - f(minus)) / (f64::from(plus) - f64::from(minus))
}

/// The central difference at `H`.
pub fn central(f: &dyn Fn(f32) -> f64, at: f32) -> f64 {
    central_with(f, at, H)
}

/// The five-point difference, Richardson's extrapolation `(4 D(H) - D(2H)) / 3` of the central
/// differences at `H` and `2H`, which cancels their `H² f‴ / 6` error and leaves one of order
/// `H⁴`: for BatchNorm on batch statistics, whose normalizing by the spread of a dozen samples
/// bends the output sharply enough that the central difference alone is off by more than `FD`.
/// Its rounding noise is 1.5 times the central difference's, which for a training-mode
/// convolution block (every output moves with the batch statistics) takes up to about 2/3 of
/// `FD`'s absolute part; the checks print the share they use.
pub fn five_point(f: &dyn Fn(f32) -> f64, at: f32) -> f64 {
    (4.0 * central_with(f, at, H) - central_with(f, at, 2.0 * H)) / 3.0
}

/// `Σ dy · y` over a batch, in f64: the objective whose gradient at the outputs is `dys`.
pub fn weighted<Y: Tensor>(ys: &[Y], dys: &[Y]) -> f64 {
    let (ys, dys) = (Y::flat_batch(ys), Y::flat_batch(dys));
    ys.iter()
        .zip(dys)
        .map(|(&y, &d)| f64::from(y) * f64::from(d))
        .sum()
}

/// The mean squared error of f32 predictions, in f64 (`MSELoss`'s mean).
pub fn mse<Y: Tensor>(preds: &[Y], targets: &[Y]) -> f64 {
    let (preds, targets) = (Y::flat_batch(preds), Y::flat_batch(targets));
    let squares: f64 = preds
        .iter()
        .zip(targets)
        .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
        .sum();
    squares / preds.len() as f64
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
pub fn check_params<M: Module + Clone>(
    (what, difference): (&str, Difference),
    module: &M,
    grads: &M,
    objective: impl Fn(&M) -> f64,
    worst: &mut Worst,
) {
    let mut checked = 0;
    for (p, (param, grad)) in module.parameters().zip(grads.parameters()).enumerate() {
        assert_eq!(param.name, grad.name);
        for (i, (&value, &analytic)) in param.data.iter().zip(grad.data).enumerate() {
            let numeric = difference(&|v| objective(&with_param(module, p, i, v)), value);
            let label = format_args!("{what}: d/d {}[{i}]", param.name);
            assert_close(f64::from(analytic), numeric, FD, label);
            worst.record(f64::from(analytic), numeric);
            checked += 1;
        }
    }
    assert_eq!(checked, M::NUM_PARAMS, "{what}: every parameter checked");
}

/// Checks the input gradients `dxs` against finite differences of `objective(b, x)`, the
/// objective with sample `b` replaced by `x`.
pub fn check_inputs<X: Tensor>(
    (what, difference): (&str, Difference),
    xs: &[X],
    dxs: &[X],
    objective: impl Fn(usize, &X) -> f64,
    worst: &mut Worst,
) {
    assert_eq!(xs.len(), dxs.len(), "{what}: one input gradient per sample");
    for (b, (x, dx)) in xs.iter().zip(dxs).enumerate() {
        for (i, (&value, &analytic)) in x.flat().iter().zip(dx.flat()).enumerate() {
            let at = |v: f32| {
                let mut x = *x;
                x.flat_mut()[i] = v;
                objective(b, &x)
            };
            let numeric = difference(&at, value);
            let label = format_args!("{what}: d/dx[{b}][{i}]");
            assert_close(f64::from(analytic), numeric, FD, label);
            worst.record(f64::from(analytic), numeric);
        }
    }
}

/// Asserts that two lists of values agree as `how` says.
#[track_caller]
pub fn agree_values(what: &str, expected: &[f32], found: &[f32], how: Agree) {
    assert_eq!(expected.len(), found.len(), "{what}: the number of values");
    for (i, (&e, &f)) in expected.iter().zip(found).enumerate() {
        match how {
            Agree::Bits => assert_eq!(f.to_bits(), e.to_bits(), "{what}[{i}]: {f} vs {e}"),
            Agree::Rounding => {
                assert_close(
                    f64::from(f),
                    f64::from(e),
                    ROUNDING,
                    format_args!("{what}[{i}]"),
                );
            }
        }
    }
}

/// Asserts that two sets of gradients (or two models) agree as `how` says, parameter by
/// parameter.
#[track_caller]
pub fn agree<M: Module>(what: &str, expected: &M, found: &M, how: Agree) {
    for (e, f) in expected.parameters().zip(found.parameters()) {
        assert_eq!(e.name, f.name);
        agree_values(&format!("{what}: {}", e.name), e.data, f.data, how);
    }
}

/// Asserts that two batches of samples agree as `how` says.
#[track_caller]
pub fn agree_batches<T: Tensor>(what: &str, expected: &[T], found: &[T], how: Agree) {
    agree_values(what, T::flat_batch(expected), T::flat_batch(found), how);
}

/// Which side of each kink every activation input of a sample is on; nothing for a model
/// without kinks.
pub type Pieces<M, X> = fn(&M, &X) -> Vec<u8>;

/// A model without kinks.
pub fn smooth<M, X>(_: &M, _: &X) -> Vec<u8> {
    Vec::new()
}

/// Every evaluation-mode path of `model` at `xs`, with the output gradients `dys` and the MSE
/// targets `targets`: `backward_sample` one sample at a time and `Layer::backward_input`
/// against finite differences; `backward` (the block path), the `Layer` methods and
/// `backward_loss` against those, agreeing as `how` says. Returns the gradients.
pub fn check_eval<M, X, Y>(
    what: &str,
    model: &M,
    (xs, dys, targets): (&[X], &[Y], &[Y]),
    pieces: Pieces<M, X>,
    how: Agree,
) -> M
where
    M: Model<X, Y> + Layer<X, Y> + Clone + PartialEq + Debug,
    X: Tensor,
    Y: Tensor,
{
    let mut worst = Worst::default();
    let sides: Vec<Vec<u8>> = xs.iter().map(|x| pieces(model, x)).collect();
    let output = |m: &M, b: usize, x: &X| {
        assert!(
            pieces(m, x) == sides[b],
            "{what}: a finite-difference step crossed a kink; use other inputs"
        );
        Model::forward(m, x)
    };
    let outputs = |m: &M| -> Vec<Y> {
        xs.iter()
            .enumerate()
            .map(|(b, x)| output(m, b, x))
            .collect()
    };

    let mut by_sample = M::zeros();
    for (x, dy) in xs.iter().zip(dys) {
        Model::backward_sample(model, x, &mut by_sample, |_| *dy);
    }
    let what_sample = format!("{what}: backward_sample");
    let objective = |m: &M| weighted(&outputs(m), dys);
    check_params(
        (&what_sample, central),
        model,
        &by_sample,
        objective,
        &mut worst,
    );

    let ys = Model::forward_batch(model, xs);
    agree_batches(
        &format!("{what}: forward_batch"),
        &outputs(model),
        &ys,
        Agree::Bits,
    );

    let mut blocks = Grads::<M>::new();
    Model::backward(model, xs, dys, &mut blocks).unwrap();
    agree(&format!("{what}: backward"), &by_sample, &*blocks, how);

    // The model as a layer of another.
    let mut params = M::zeros();
    for ((x, y), dy) in xs.iter().zip(&ys).zip(dys) {
        Layer::backward_params(model, x, y, dy, &mut params);
    }
    agree(
        &format!("{what}: Layer::backward_params"),
        &by_sample,
        &params,
        how,
    );
    let mut params_batch = M::zeros();
    Layer::backward_params_batch(model, xs, &ys, dys, &mut params_batch);
    agree(
        &format!("{what}: Layer::backward_params_batch"),
        &by_sample,
        &params_batch,
        how,
    );
    let dxs: Vec<X> = xs
        .iter()
        .zip(&ys)
        .zip(dys)
        .map(|((x, y), dy)| Layer::backward_input(model, x, y, dy))
        .collect();
    let what_input = format!("{what}: Layer::backward_input");
    let objective = |b: usize, x: &X| weighted(&[output(model, b, x)], &dys[b..=b]);
    check_inputs((&what_input, central), xs, &dxs, objective, &mut worst);
    let mut dxs_batch = vec![X::ZERO; xs.len()];
    Layer::backward_input_batch(model, xs, &ys, dys, &mut dxs_batch);
    agree_batches(
        &format!("{what}: Layer::backward_input_batch"),
        &dxs,
        &dxs_batch,
        how,
    );
    let (mut both, mut dxs_both) = (M::zeros(), vec![X::ZERO; xs.len()]);
    Layer::backward_batch(model, xs, &ys, dys, Some(&mut both), Some(&mut dxs_both));
    agree(
        &format!("{what}: Layer::backward_batch"),
        &by_sample,
        &both,
        how,
    );
    agree_batches(
        &format!("{what}: Layer::backward_batch dx"),
        &dxs,
        &dxs_both,
        how,
    );

    let loss_fn = MSELoss::new();
    let mut fused = Grads::<M>::new();
    let loss = Model::backward_loss(model, &loss_fn, xs, targets, &mut fused).unwrap();
    let forward_loss = loss_fn.forward(&ys, targets).unwrap();
    assert_eq!(
        loss.to_bits(),
        forward_loss.to_bits(),
        "{what}: the loss {loss} vs {forward_loss}"
    );
    let mut split = Grads::<M>::new();
    let loss_grads = loss_fn.backward(&ys, targets).unwrap();
    Model::backward(model, xs, &loss_grads, &mut split).unwrap();
    assert_eq!(
        fused, split,
        "{what}: backward_loss and backward of the loss's gradient"
    );
    let objective = |m: &M| mse(&outputs(m), targets);
    check_params(
        (&format!("{what}: backward_loss"), central),
        model,
        &fused,
        objective,
        &mut worst,
    );
    println!("{what}: {worst}");
    by_sample
}

/// Training mode of a model without BatchNorm or Dropout, which computes what evaluation mode
/// does: `Train::backward`, `Train::backward_loss` and `Train::forward_into` against the
/// evaluation-mode paths, agreeing as `how` says; and the model unchanged. The `Train` has
/// first run another batch, so that its workspace holds stale values rather than zeros.
pub fn check_train_matches_eval<M, X, Y>(
    what: &str,
    model: &M,
    (xs, dys, targets): (&[X], &[Y], &[Y]),
    how: Agree,
) where
    M: TrainModel<X, Y> + Clone + PartialEq + Debug,
    X: Tensor,
    Y: Tensor,
{
    let mut train = Train::new(rng(0));
    let mut trained = model.clone();
    let (stale_xs, stale_dys): (Vec<X>, Vec<Y>) =
        xs.iter().rev().zip(dys).map(|(x, d)| (*x, *d)).unzip();
    train
        .backward(&mut trained, &stale_xs, &stale_dys, &mut Grads::new())
        .unwrap();

    let mut eval = Grads::<M>::new();
    model.backward(xs, dys, &mut eval).unwrap();
    let mut in_training = Grads::<M>::new();
    train
        .backward(&mut trained, xs, dys, &mut in_training)
        .unwrap();
    agree(
        &format!("{what}: Train::backward"),
        &*eval,
        &*in_training,
        how,
    );

    let loss_fn = MSELoss::new();
    let mut eval = Grads::<M>::new();
    let eval_loss = model
        .backward_loss(&loss_fn, xs, targets, &mut eval)
        .unwrap();
    let mut in_training = Grads::<M>::new();
    let loss = train
        .backward_loss(&mut trained, &loss_fn, xs, targets, &mut in_training)
        .unwrap();
    agree(
        &format!("{what}: Train::backward_loss"),
        &*eval,
        &*in_training,
        how,
    );
    agree_values(
        &format!("{what}: the training-mode loss"),
        &[eval_loss],
        &[loss],
        how,
    );

    let mut ys = vec![Y::ZERO; xs.len()];
    train.forward_into(&mut trained, xs, &mut ys).unwrap();
    agree_batches(
        &format!("{what}: Train::forward_into"),
        &model.forward_batch(xs),
        &ys,
        how,
    );
    assert_eq!(
        &trained, model,
        "{what}: training mode changed a model without buffers"
    );
}

/// Training mode of a model with BatchNorm or Dropout against finite differences of the
/// training-mode forward: each step re-runs the whole batch (BatchNorm couples its samples) on
/// a fresh copy (its running statistics stay as they were) with a generator of the same seed
/// (Dropout draws the same masks). Covers `Train::backward`, `Train::backward_loss`, and the
/// model as a layer in training mode (`Layer::forward_train`, `Layer::backward_train` with
/// input gradients).
pub fn check_train<M, X, Y>(
    what: &str,
    model: &M,
    (xs, dys, targets): (&[X], &[Y], &[Y]),
    seed: u64,
) where
    M: TrainModel<X, Y> + Layer<X, Y> + Clone + PartialEq + Debug,
    X: Tensor,
    Y: Tensor,
{
    let run = |m: &M, xs: &[X]| -> Vec<Y> {
        let mut m = m.clone();
        let mut ys = vec![Y::ZERO; xs.len()];
        Train::new(rng(seed))
            .forward_into(&mut m, xs, &mut ys)
            .unwrap();
        ys
    };
    let mut worst = Worst::default();

    let (mut grads, mut after) = (Grads::<M>::new(), model.clone());
    Train::new(rng(seed))
        .backward(&mut after, xs, dys, &mut grads)
        .unwrap();
    let objective = |m: &M| weighted(&run(m, xs), dys);
    check_params(
        (&format!("{what}: Train::backward"), five_point),
        model,
        &grads,
        objective,
        &mut worst,
    );
    let mut once = model.clone();
    let mut ys = vec![Y::ZERO; xs.len()];
    Train::new(rng(seed))
        .forward_into(&mut once, xs, &mut ys)
        .unwrap();
    assert_eq!(
        after, once,
        "{what}: backward's forward updates the running statistics once"
    );

    let (mut layer, mut cache) = (model.clone(), vec![0.0; M::train_cache_len(xs.len())]);
    let mut layer_ys = vec![Y::ZERO; xs.len()];
    Layer::forward_train(&mut layer, xs, &mut layer_ys, &mut cache, &mut rng(seed));
    agree_batches(
        &format!("{what}: Layer::forward_train"),
        &ys,
        &layer_ys,
        Agree::Bits,
    );
    let (mut layer_grads, mut dxs) = (M::zeros(), vec![X::ZERO; xs.len()]);
    let dx = Some(&mut dxs[..]);
    Layer::backward_train(
        &layer,
        xs,
        &layer_ys,
        dys,
        &mut cache,
        Some(&mut layer_grads),
        dx,
    );
    agree(
        &format!("{what}: Layer::backward_train"),
        &*grads,
        &layer_grads,
        Agree::Bits,
    );
    let objective = |b: usize, x: &X| {
        let mut xs = xs.to_vec();
        xs[b] = *x;
        weighted(&run(model, &xs), dys)
    };
    check_inputs(
        (&format!("{what}: Layer::backward_train dx"), five_point),
        xs,
        &dxs,
        objective,
        &mut worst,
    );

    let (mut grads, mut trained) = (Grads::<M>::new(), model.clone());
    let loss_fn = MSELoss::new();
    let loss = Train::new(rng(seed))
        .backward_loss(&mut trained, &loss_fn, xs, targets, &mut grads)
        .unwrap();
    let forward_loss = loss_fn.forward(&ys, targets).unwrap();
    assert_eq!(
        loss.to_bits(),
        forward_loss.to_bits(),
        "{what}: the training-mode loss"
    );
    let objective = |m: &M| mse(&run(m, xs), targets);
    check_params(
        (&format!("{what}: Train::backward_loss"), five_point),
        model,
        &grads,
        objective,
        &mut worst,
    );
    println!("{what} (training mode): {worst}");
}
