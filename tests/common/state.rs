//! Whole `state_dict`s of the golden runs in `tests/golden2/`, with BatchNorm's buffers: loaded
//! into a model by name, and compared with one.

use std::collections::BTreeSet;
use std::fmt::Display;

use nncore::{BufferData, BufferDataMut, Module};

use super::{Dtype, StateDict, Tensor, Tolerance, Worst, assert_close, index};

/// The entry `name` of `state`, checked for shape and dtype and marked used in `used`; panics
/// if it is missing, was used before, or differs.
fn entry<'a>(
    what: &str,
    state: &'a StateDict,
    used: &mut BTreeSet<String>,
    name: String,
    shape: &[usize],
    dtype: Dtype,
) -> &'a Tensor {
    let tensor = state
        .get(&name)
        .unwrap_or_else(|| panic!("{what}: the model's {name} is not in the case"));
    assert_eq!(
        tensor.shape, shape,
        "{what}: {name} has shape {:?} in the case but {shape:?} in the model",
        tensor.shape
    );
    assert_eq!(
        tensor.dtype, dtype,
        "{what}: {name} is {:?} in the case but {dtype:?} in the model",
        tensor.dtype
    );
    assert_eq!(
        tensor.data.len(),
        shape.iter().product::<usize>(),
        "{what}: {name} has {} values for shape {shape:?}",
        tensor.data.len()
    );
    assert!(
        used.insert(name.clone()),
        "{what}: the model has two entries named {name}"
    );
    tensor
}

/// Panics unless every entry of `state` is in `used`.
fn check_all_used(what: &str, state: &StateDict, used: &BTreeSet<String>) {
    let unused: Vec<&String> = state.keys().filter(|k| !used.contains(*k)).collect();
    assert!(
        unused.is_empty(),
        "{what}: the case has entries the model does not: {unused:?}"
    );
}

/// An `int64` value of `case.json`, stored as a float; panics unless it is a whole number.
fn int64(what: impl Display, value: f64) -> i64 {
    let int = value as i64;
    assert!(int as f64 == value, "{what}: {value} is not an int64 value");
    int
}

/// Writes a whole `state_dict` into `model` by name, parameters through `parameters_mut()` and
/// buffers through `buffers_mut()`, checking each entry's shape and dtype and that every entry
/// of `state` is used exactly once.
pub fn load_state<M: Module>(case: &str, model: &mut M, state: &StateDict) {
    let what = format!("{case}: loading");
    let mut used = BTreeSet::new();
    for param in model.parameters_mut() {
        let name = param.name.to_string();
        let tensor = entry(
            &what,
            state,
            &mut used,
            name,
            param.shape.dims(),
            Dtype::Float32,
        );
        for (p, &v) in param.data.iter_mut().zip(&tensor.data) {
            *p = v as f32;
        }
    }
    for buffer in model.buffers_mut() {
        let name = buffer.name.to_string();
        match buffer.data {
            BufferDataMut::F32(data) => {
                let tensor = entry(
                    &what,
                    state,
                    &mut used,
                    name,
                    buffer.shape.dims(),
                    Dtype::Float32,
                );
                for (b, &v) in data.iter_mut().zip(&tensor.data) {
                    *b = v as f32;
                }
            }
            BufferDataMut::I64(data) => {
                let tensor = entry(
                    &what,
                    state,
                    &mut used,
                    name.clone(),
                    buffer.shape.dims(),
                    Dtype::Int64,
                );
                for (b, &v) in data.iter_mut().zip(&tensor.data) {
                    *b = int64(format_args!("{what}: {name}"), v);
                }
            }
        }
    }
    check_all_used(&what, state, &used);
}

/// Names the value at flat index `i` of tensor `name` for a message: `what: name[i, j]`, or
/// `what: name` for a scalar.
fn element(what: &str, name: &str, shape: &[usize], i: usize) -> String {
    if shape.is_empty() {
        format!("{what}: {name}")
    } else {
        format!("{what}: {name}[{}]", index(shape, i))
    }
}

/// Compares the values of one `float32` tensor, recording the deviations in `worst`.
#[track_caller]
fn compare_values(
    worst: &mut Worst,
    what: &str,
    tol: Tolerance,
    tensor: (&str, &[usize], &[f32]),
    reference: &[f64],
) {
    let (name, shape, actual) = tensor;
    for (i, (&a, &r)) in actual.iter().zip(reference).enumerate() {
        assert_close(f64::from(a), r, tol, element(what, name, shape, i));
        worst.record(f64::from(a), r);
    }
}

/// How far a model's whole `state_dict` is from a recorded one.
#[derive(Clone, Copy, Debug, Default)]
pub struct StateDiff {
    /// The parameters.
    pub params: Worst,
    /// The `float32` buffers (running statistics); `int64` ones must be equal.
    pub buffers: Worst,
}

/// Compares every parameter and buffer of `model` with `expected` by name, shape and dtype:
/// each `float32` value within `tol`, each `int64` value exactly, every entry of `expected`
/// compared once. `what` says what is compared, for the messages.
#[track_caller]
pub fn compare_state<M: Module>(
    what: &str,
    model: &M,
    expected: &StateDict,
    tol: Tolerance,
) -> StateDiff {
    let mut diff = StateDiff::default();
    let mut used = BTreeSet::new();
    for param in model.parameters() {
        let name = param.name.to_string();
        let shape = param.shape.dims();
        let tensor = entry(
            what,
            expected,
            &mut used,
            name.clone(),
            shape,
            Dtype::Float32,
        );
        compare_values(
            &mut diff.params,
            what,
            tol,
            (&name, shape, param.data),
            &tensor.data,
        );
    }
    for buffer in model.buffers() {
        let name = buffer.name.to_string();
        let shape = buffer.shape.dims();
        match buffer.data {
            BufferData::F32(data) => {
                let tensor = entry(
                    what,
                    expected,
                    &mut used,
                    name.clone(),
                    shape,
                    Dtype::Float32,
                );
                compare_values(
                    &mut diff.buffers,
                    what,
                    tol,
                    (&name, shape, data),
                    &tensor.data,
                );
            }
            BufferData::I64(data) => {
                let tensor = entry(what, expected, &mut used, name.clone(), shape, Dtype::Int64);
                for (i, (&a, &r)) in data.iter().zip(&tensor.data).enumerate() {
                    let r = int64(format_args!("{what}: {name}"), r);
                    assert_eq!(a, r, "{}", element(what, &name, shape, i));
                }
            }
        }
    }
    check_all_used(what, expected, &used);
    diff
}

/// What [`super::compare_params`] does not say about `actual` against `expected`: the worst
/// deviation among the values at least `tol.abs` in size (below it a relative difference is
/// rounding noise; a bias right before BatchNorm has a true gradient of zero), and the largest
/// share of `tol` that any value uses, `|actual - expected| / max(abs, rel · |expected|)`, at
/// most 1 where every value is accepted.
pub fn above_floor<M: Module>(actual: &M, expected: &StateDict, tol: Tolerance) -> (Worst, f64) {
    let mut worst = Worst::default();
    let mut used: f64 = 0.0;
    for param in actual.parameters() {
        let name = param.name.to_string();
        let tensor = expected
            .get(&name)
            .unwrap_or_else(|| panic!("{name} is missing from the reference"));
        for (&a, &e) in param.data.iter().zip(&tensor.data) {
            let a = f64::from(a);
            if e.abs() >= tol.abs {
                worst.record(a, e);
            }
            used = used.max((a - e).abs() / tol.abs.max(tol.rel * e.abs()));
        }
    }
    (worst, used)
}
