//! Finite differences and comparisons: the tools of `check.rs`.

use crate::common::{Tolerance, assert_close};
use nncore::prelude::*;
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
/// Two sums of the same f32 terms in another order, which differ by the roundings of their
/// additions, each at most 6e-8 of a partial sum: for the few hundred terms of magnitude below
/// 10 summed here, by a few 1e-7 in practice, within 1e-5 of the gradient or 1e-6 absolute. A
/// missing or doubled term is off by far more.
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
