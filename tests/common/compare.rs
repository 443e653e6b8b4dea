//! Comparisons that say which parameter and index went wrong: tolerances, the worst deviation of
//! a group, and a model's parameters against a `state_dict`.

use std::fmt::{self, Display};

use nncore::Module;

use super::StateDict;

/// An allowed deviation: `|actual - expected| <= abs` or `<= rel · |expected|`.
#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    /// Relative to the expected value.
    pub rel: f64,
    /// Absolute.
    pub abs: f64,
}

impl Tolerance {
    /// Within `rel` of the expected value (no absolute floor).
    pub const fn relative(rel: f64) -> Self {
        Tolerance { rel, abs: 0.0 }
    }

    /// Within `abs` of the expected value.
    pub const fn absolute(abs: f64) -> Self {
        Tolerance { rel: 0.0, abs }
    }

    /// Whether `actual` is close enough to `expected`.
    pub fn accepts(&self, actual: f64, expected: f64) -> bool {
        let diff = (actual - expected).abs();
        diff <= self.abs || diff <= self.rel * expected.abs()
    }
}

impl Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.rel > 0.0, self.abs > 0.0) {
            (true, true) => write!(f, "{:e} relative or {:e} absolute", self.rel, self.abs),
            (true, false) => write!(f, "{:e} relative", self.rel),
            _ => write!(f, "{:e} absolute", self.abs),
        }
    }
}

/// Asserts `actual` is within `tol` of `expected`; `what` names the value in the message.
#[track_caller]
pub fn assert_close(actual: f64, expected: f64, tol: Tolerance, what: impl Display) {
    assert!(
        tol.accepts(actual, expected),
        "{what}: got {actual:e}, expected {expected:e} (diff {:e}, relative {:e}; allowed {tol})",
        (actual - expected).abs(),
        rel_diff(actual, expected),
    );
}

/// `|actual - expected| / |expected|`, or the absolute difference when `expected` is zero.
pub fn rel_diff(actual: f64, expected: f64) -> f64 {
    let diff = (actual - expected).abs();
    if expected == 0.0 {
        diff
    } else {
        diff / expected.abs()
    }
}

/// The largest absolute and relative deviations seen in a group of comparisons.
#[derive(Clone, Copy, Debug, Default)]
pub struct Worst {
    /// The largest `|actual - expected|`.
    pub abs: f64,
    /// The largest `|actual - expected| / |expected|`.
    pub rel: f64,
}

impl Worst {
    /// Records one comparison.
    pub fn record(&mut self, actual: f64, expected: f64) {
        self.abs = self.abs.max((actual - expected).abs());
        self.rel = self.rel.max(rel_diff(actual, expected));
    }
}

impl Display for Worst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "max abs {:.2e}, max rel {:.2e}", self.abs, self.rel)
    }
}

/// Compares every parameter of `model` (or of its gradients) with `expected` by name and shape,
/// each value within `tol` when one is given, and returns the worst deviation. `what` says what
/// is compared, for the messages.
#[track_caller]
pub fn compare_params<M: Module>(
    what: &str,
    model: &M,
    expected: &StateDict,
    tol: Option<Tolerance>,
) -> Worst {
    let mut worst = Worst::default();
    let mut count = 0;
    for param in model.parameters() {
        let name = param.name.to_string();
        let tensor = expected
            .get(&name)
            .unwrap_or_else(|| panic!("{what}: {name} is missing from the reference"));
        assert_eq!(
            tensor.shape,
            param.shape.dims(),
            "{what}: {name} has shape {:?} in the reference but {:?} here",
            tensor.shape,
            param.shape
        );
        for (i, (&actual, &reference)) in param.data.iter().zip(&tensor.data).enumerate() {
            if let Some(tol) = tol {
                assert_close(
                    f64::from(actual),
                    reference,
                    tol,
                    format_args!("{what}: {name}[{}]", index(&tensor.shape, i)),
                );
            }
            worst.record(f64::from(actual), reference);
        }
        count += 1;
    }
    assert_eq!(
        count,
        expected.len(),
        "{what}: the reference has other parameters than the model"
    );
    worst
}

/// A flat row-major index written as PyTorch's `[row, col]` (`[i]` for a vector, `[o, i, k]`
/// for a Conv1d weight and so on); a scalar's is empty.
pub(super) fn index(shape: &[usize], flat: usize) -> String {
    let mut rest = flat;
    let mut parts: Vec<String> = shape
        .iter()
        .rev()
        .map(|&dim| {
            let part = rest % dim.max(1);
            rest /= dim.max(1);
            part.to_string()
        })
        .collect();
    parts.reverse();
    parts.join(", ")
}
