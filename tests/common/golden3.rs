//! The golden runs of `tests/golden3/` (residual blocks, shortcuts, nested modules, asymmetric
//! padding): their `case.json`, with the model given as PyTorch source, its `state_dict` keys
//! and `print(model)`, and the outputs and per-step losses that `golden2` lacks.

use std::collections::BTreeMap;
use std::path::PathBuf;

use nncore::{Module, Optimizer};
use serde::Deserialize;

use super::golden2::{Nested, Targets};
use super::{OptimizerSpec, StateDict, Tolerance, sorted_losses};

/// The folder of one case: `tests/golden3/<name>`.
pub fn golden3_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden3")
        .join(name)
}

/// One `state_dict` entry: name, shape, and whether it is a buffer.
#[derive(Debug, Deserialize)]
pub struct Key {
    pub name: String,
    pub shape: Vec<usize>,
    pub kind: String,
}

/// A tolerance as `case.json` gives it.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Tol {
    rel: f64,
    abs: f64,
}

impl From<Tol> for Tolerance {
    fn from(t: Tol) -> Self {
        Tolerance {
            rel: t.rel,
            abs: t.abs,
        }
    }
}

/// The tolerances of `tests/golden3/README.md`, from the case.
#[derive(Debug, Deserialize)]
pub struct Tolerances {
    pub first_loss: Tol,
    pub first_outputs: Tol,
    pub first_grads: Tol,
    pub init_val_outputs: Tol,
    pub step_losses: Tol,
    pub losses: Tol,
    #[serde(rename = "final")]
    pub final_: Tol,
    pub val_outputs: Tol,
}

/// A golden run of `tests/golden3/` (described in `tests/golden3/README.md`).
#[derive(Debug, Deserialize)]
pub struct Case {
    pub name: String,
    /// The top-level PyTorch class.
    pub torch_class: String,
    pub state_dict_keys: Vec<Key>,
    /// PyTorch's `print(model)`.
    pub repr: String,
    pub input_shape: Vec<usize>,
    /// `cross_entropy` or `nll`.
    pub loss: String,
    pub optimizer: OptimizerSpec,
    pub epochs: usize,
    pub batch_size: usize,
    pub steps: usize,
    pub train_x: Vec<Nested>,
    pub train_y: Targets,
    pub val_x: Vec<Nested>,
    pub val_y: Targets,
    pub init: StateDict,
    #[serde(rename = "final")]
    pub final_: StateDict,
    /// Eval-mode outputs on `val_x` before any step.
    pub init_val_outputs: Vec<Vec<f64>>,
    pub first_loss: f64,
    /// Train-mode outputs on the first mini-batch.
    pub first_outputs: Vec<Vec<f64>>,
    pub first_grads: StateDict,
    /// The train-mode loss of every step.
    pub step_losses: Vec<f64>,
    losses: BTreeMap<String, [f64; 2]>,
    /// Eval-mode outputs on `val_x` after the last step.
    pub val_outputs: Vec<Vec<f64>>,
    pub val_accuracy: f64,
    pub tolerances: Tolerances,
}

impl Case {
    /// Reads `tests/golden3/<name>/case.json`.
    pub fn load(name: &str) -> Case {
        let path = golden3_dir(name).join("case.json");
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
