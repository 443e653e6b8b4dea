//! The golden runs of `tests/golden2/` (convolution, pooling, BatchNorm, LogSoftmax): their
//! `case.json`, samples of any rank, whole `state_dict`s with BatchNorm's buffers, and the
//! losses they name.

use std::collections::BTreeMap;
use std::path::PathBuf;

use nncore::{CrossEntropyLoss, Loss, MSELoss, Module, NLLLoss, Optimizer, Tensor as Sample};
use serde::Deserialize;

use super::{OptimizerSpec, StateDict, sorted_losses};

/// The folder of one case: `tests/golden2/<name>`.
pub fn golden2_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden2")
        .join(name)
}

/// A value or a list of them, nested: one sample as `case.json` stores it (`[2, 16]` is a
/// list of two lists of sixteen numbers).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Nested {
    /// A number.
    Value(f32),
    /// A list one level down.
    List(Vec<Nested>),
}

impl Nested {
    /// Appends the values row-major to `out`, checking that the nesting has shape `dims`;
    /// `at` is where this list sits in the sample, for the message (`[0][3]: a list of 15
    /// entries where the model takes 16`).
    fn flatten_into(
        &self,
        dims: &[usize],
        at: &mut Vec<usize>,
        out: &mut Vec<f32>,
    ) -> Result<(), String> {
        match (self, dims) {
            (Nested::Value(v), []) => {
                out.push(*v);
                Ok(())
            }
            (Nested::List(items), [len, inner @ ..]) if items.len() == *len => {
                for (i, item) in items.iter().enumerate() {
                    at.push(i);
                    item.flatten_into(inner, at, out)?;
                    at.pop();
                }
                Ok(())
            }
            (Nested::List(items), [len, ..]) => Err(format!(
                "{}: a list of {} entries where the model takes {len}",
                place(at),
                items.len()
            )),
            (Nested::List(_), []) => Err(format!(
                "{}: a list where the model takes a number",
                place(at)
            )),
            (Nested::Value(_), [len, ..]) => Err(format!(
                "{}: a number where the model takes a list of {len}",
                place(at)
            )),
        }
    }
}

/// A place in a nested sample as indices: `[0][3]`.
fn place(at: &[usize]) -> String {
    at.iter().map(|i| format!("[{i}]")).collect()
}

/// A case's targets: class indices, or samples like the inputs (a reconstruction's).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Targets {
    /// One class index a sample.
    Classes(Vec<usize>),
    /// One target sample a sample.
    Values(Vec<Nested>),
}

/// Samples of type `X` from a case's nested lists; panics naming the case, the list, the sample
/// and the place in it if one does not have the shape `X` has.
pub fn samples<X: Sample>(case: &str, what: &str, rows: &[Nested]) -> Vec<X> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let mut values = Vec::with_capacity(X::LEN);
            row.flatten_into(X::SHAPE.dims(), &mut Vec::new(), &mut values)
                .unwrap_or_else(|e| panic!("{case}: {what}[{i}]{e}"));
            let mut x = X::ZERO;
            x.flat_mut().copy_from_slice(&values);
            x
        })
        .collect()
}

/// A golden run of `tests/golden2/` (`case.json`, described in `tests/golden2/README.md`).
#[derive(Debug, Deserialize)]
pub struct Case {
    /// The folder name.
    pub name: String,
    /// One sample's shape, PyTorch's layout.
    pub input_shape: Vec<usize>,
    /// The layers in PyTorch's constructor spelling, `name: ` before each of a named model.
    pub layers: Vec<String>,
    /// Named (`OrderedDict`) form or index names.
    pub named: bool,
    /// PyTorch's `print(model)`.
    pub repr: String,
    /// `mse`, `cross_entropy` or `nll`.
    pub loss: String,
    /// The optimizer and its settings.
    pub optimizer: OptimizerSpec,
    /// The number of epochs.
    pub epochs: usize,
    /// The mini-batch size (the last batch may be shorter).
    pub batch_size: usize,
    /// Training inputs.
    pub train_x: Vec<Nested>,
    /// Training targets.
    pub train_y: Targets,
    /// Validation inputs.
    pub val_x: Vec<Nested>,
    /// Validation targets.
    pub val_y: Targets,
    /// The `state_dict` training started from, buffers included.
    pub init: StateDict,
    /// The `state_dict` after the last epoch.
    #[serde(rename = "final")]
    pub final_: StateDict,
    /// The loss of the very first mini-batch.
    pub first_loss: f64,
    /// Every parameter's gradient after the first `backward()`.
    pub first_grads: StateDict,
    /// Epoch (as a string key) to `[train_loss, val_loss]`, in eval mode.
    losses: BTreeMap<String, [f64; 2]>,
    /// How far float32 and float64 PyTorch end apart.
    pub f32_vs_f64_max_param_diff: f64,
    /// The share of validation samples classified right, in eval mode (classification only).
    #[serde(default)]
    pub val_accuracy: Option<f64>,
}

impl Case {
    /// Reads `tests/golden2/<name>/case.json`.
    pub fn load(name: &str) -> Case {
        let path = golden2_dir(name).join("case.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let case: Case = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()));
        assert_eq!(case.name, name, "{} names another case", path.display());
        case
    }

    /// The logged losses, `(epoch, [train, val])`, in epoch order.
    pub fn losses(&self) -> Vec<(usize, [f64; 2])> {
        sorted_losses(&self.name, &self.losses)
    }

    /// The case's optimizer for a model `M`.
    pub fn optimizer<M: Module + 'static>(&self) -> Box<dyn Optimizer<M>> {
        self.optimizer.build(&self.name)
    }
}

/// A loss a case can name (its `loss` field), with the targets it takes.
pub trait GoldenLoss<Y: Sample>: Loss<Y> + Default {
    /// The case's `loss` field for this loss.
    const NAME: &'static str;

    /// The targets of `targets`, as this loss takes them.
    fn targets(case: &str, what: &str, targets: &Targets) -> Vec<Self::Target>;

    /// The share of `preds` whose largest output is the target class (PyTorch's
    /// `(model(x).argmax(1) == y).double().mean()`, the first index among equal values);
    /// `None` for a loss without classes.
    fn accuracy(preds: &[Y], targets: &[Self::Target]) -> Option<f64>;
}

/// Class indices from a case's targets.
fn classes(case: &str, what: &str, targets: &Targets) -> Vec<usize> {
    match targets {
        Targets::Classes(classes) => classes.clone(),
        Targets::Values(_) => panic!("{case}: {what} holds samples where the loss takes classes"),
    }
}

/// `accuracy` for class-index targets.
fn class_accuracy<const N: usize>(preds: &[[f32; N]], classes: &[usize]) -> Option<f64> {
    let argmax =
        |pred: &[f32; N]| (1..N).fold(0, |best, i| if pred[i] > pred[best] { i } else { best });
    let right = preds
        .iter()
        .zip(classes)
        .filter(|&(pred, &class)| argmax(pred) == class)
        .count();
    Some(right as f64 / preds.len() as f64)
}

impl<const N: usize> GoldenLoss<[f32; N]> for CrossEntropyLoss {
    const NAME: &'static str = "cross_entropy";

    fn targets(case: &str, what: &str, targets: &Targets) -> Vec<usize> {
        classes(case, what, targets)
    }

    fn accuracy(preds: &[[f32; N]], classes: &[usize]) -> Option<f64> {
        class_accuracy(preds, classes)
    }
}

impl<const N: usize> GoldenLoss<[f32; N]> for NLLLoss {
    const NAME: &'static str = "nll";

    fn targets(case: &str, what: &str, targets: &Targets) -> Vec<usize> {
        classes(case, what, targets)
    }

    fn accuracy(preds: &[[f32; N]], classes: &[usize]) -> Option<f64> {
        class_accuracy(preds, classes)
    }
}

impl<Y: Sample> GoldenLoss<Y> for MSELoss {
    const NAME: &'static str = "mse";

    fn targets(case: &str, what: &str, targets: &Targets) -> Vec<Y> {
        match targets {
            Targets::Values(rows) => samples(case, what, rows),
            Targets::Classes(_) => {
                panic!("{case}: {what} holds classes where the loss takes samples")
            }
        }
    }

    fn accuracy(_: &[Y], _: &[Y]) -> Option<f64> {
        None
    }
}
