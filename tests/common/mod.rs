//! Helpers shared by the integration tests: the golden PyTorch runs in `tests/golden/` and
//! comparisons that say which case, epoch, parameter and index went wrong.

#![allow(dead_code)] // Each test binary uses its own part of this module.

pub mod bits;
mod compare;
pub mod files;
pub mod golden2;
pub mod golden3;
pub mod state;

use std::collections::BTreeMap;
use std::path::PathBuf;

use nncore::{Adam, AdamConfig, AdamW, AdamWConfig, Module, Optimizer, SGD, SGDConfig};
use serde::Deserialize;

pub use compare::*;

/// Runs `f` on a thread with a 256 MiB stack, room for the activations of large models.
pub fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// The folder of one golden case: `tests/golden/<name>`.
pub fn golden_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
        .join(name)
}

/// One tensor of a `state_dict`, as `case.json` stores it: shape and row-major values.
#[derive(Debug, Deserialize)]
pub struct Tensor {
    /// PyTorch's `tensor.shape`.
    pub shape: Vec<usize>,
    /// The element type; `tests/golden/` does not record it (all `float32`), `tests/golden2/`
    /// does.
    #[serde(default)]
    pub dtype: Dtype,
    /// The values, row-major.
    pub data: Vec<f64>,
}

/// A tensor's element type, as PyTorch names it.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// `torch.float32`: parameters and running statistics.
    #[default]
    Float32,
    /// `torch.int64`: BatchNorm's `num_batches_tracked`.
    Int64,
}

/// A `state_dict`: parameter name to tensor.
pub type StateDict = BTreeMap<String, Tensor>;

/// The optimizer of a case; a missing field has PyTorch's default.
#[derive(Debug, Deserialize)]
pub struct OptimizerSpec {
    /// `sgd` or `adam`.
    pub kind: String,
    /// The learning rate.
    pub lr: f32,
    /// Adam's `betas`.
    #[serde(default)]
    betas: Option<(f32, f32)>,
    /// Adam's `eps`.
    #[serde(default)]
    eps: Option<f32>,
    #[serde(default)]
    momentum: f32,
    #[serde(default)]
    dampening: f32,
    #[serde(default)]
    weight_decay: f32,
    #[serde(default)]
    nesterov: bool,
    #[serde(default)]
    maximize: bool,
}

impl OptimizerSpec {
    /// The same settings as an [`SGDConfig`]; panics for another optimizer.
    pub fn sgd_config(&self) -> SGDConfig {
        assert_eq!(
            self.kind, "sgd",
            "the case was trained with another optimizer"
        );
        SGDConfig {
            lr: self.lr,
            momentum: self.momentum,
            dampening: self.dampening,
            weight_decay: self.weight_decay,
            nesterov: self.nesterov,
            maximize: self.maximize,
        }
    }

    /// The same settings as an [`AdamConfig`]; panics for another optimizer.
    pub fn adam_config(&self) -> AdamConfig {
        self.adam_config_of("adam")
    }

    /// Adam's settings of an optimizer of that family (`adam`, `adamw`); panics for another.
    pub fn adam_config_of(&self, kind: &str) -> AdamConfig {
        assert_eq!(
            self.kind, kind,
            "the case was trained with another optimizer"
        );
        let defaults = AdamConfig::default();
        AdamConfig {
            lr: self.lr,
            betas: self.betas.unwrap_or(defaults.betas),
            eps: self.eps.unwrap_or(defaults.eps),
            weight_decay: self.weight_decay,
            maximize: self.maximize,
            ..defaults
        }
    }
}

impl OptimizerSpec {
    /// The optimizer these settings name (`sgd`, `adam` or `adamw`) for a model `M`; `case`
    /// names the case in messages.
    pub fn build<M: Module + 'static>(&self, case: &str) -> Box<dyn Optimizer<M>> {
        fn bad<T>(case: &str) -> impl FnOnce(nncore::Error) -> T + '_ {
            move |e| panic!("{case}: the case's optimizer settings: {e}")
        }
        match self.kind.as_str() {
            "sgd" => Box::new(SGD::new(self.sgd_config()).unwrap_or_else(bad(case))),
            "adam" => Box::new(Adam::new(self.adam_config()).unwrap_or_else(bad(case))),
            "adamw" => {
                let adam = self.adam_config_of("adamw");
                let config = AdamWConfig {
                    lr: adam.lr,
                    betas: adam.betas,
                    eps: adam.eps,
                    weight_decay: adam.weight_decay,
                    ..AdamWConfig::default()
                };
                Box::new(AdamW::new(config).unwrap_or_else(bad(case)))
            }
            other => panic!("{case}: optimizer {other:?} is not one this test knows"),
        }
    }
}

/// A golden training run (`case.json`; the fields are described in `tests/golden/README.md`).
#[derive(Debug, Deserialize)]
pub struct Case {
    /// The folder name.
    pub name: String,
    /// The layers in the macro's spelling.
    pub layers: Vec<String>,
    /// Named (`OrderedDict`) form or index names.
    pub named: bool,
    /// PyTorch's `print(model)`.
    pub repr: String,
    /// `mse`, `l1` or `cross_entropy`.
    pub loss: String,
    /// The optimizer and its settings.
    pub optimizer: OptimizerSpec,
    /// The number of epochs.
    pub epochs: usize,
    /// The mini-batch size; `None` for full batch.
    #[serde(default)]
    pub batch_size: Option<usize>,
    /// Training inputs, one row a sample.
    pub train_x: Vec<Vec<f32>>,
    /// Training targets.
    pub train_y: Vec<Vec<f32>>,
    /// Validation inputs.
    pub val_x: Vec<Vec<f32>>,
    /// Validation targets.
    pub val_y: Vec<Vec<f32>>,
    /// The weights training started from.
    pub init: StateDict,
    /// The weights after the last epoch.
    #[serde(rename = "final")]
    pub final_: StateDict,
    /// The loss of the very first mini-batch.
    pub first_loss: f64,
    /// Every parameter's gradient after the first `backward()`.
    pub first_grads: StateDict,
    /// Epoch (as a string key) to `[train_loss, val_loss]` after that epoch.
    losses: BTreeMap<String, [f64; 2]>,
    /// How far float32 and float64 PyTorch end apart.
    pub f32_vs_f64_max_param_diff: f64,
}

impl Case {
    /// Reads `tests/golden/<name>/case.json`.
    pub fn load(name: &str) -> Case {
        let path = golden_dir(name).join("case.json");
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
}

/// A case's `losses` (epoch, as a string key, to `[train, val]`) in epoch order.
pub fn sorted_losses(case: &str, losses: &BTreeMap<String, [f64; 2]>) -> Vec<(usize, [f64; 2])> {
    let mut losses: Vec<(usize, [f64; 2])> = losses
        .iter()
        .map(|(epoch, l)| {
            let epoch = epoch
                .parse()
                .unwrap_or_else(|e| panic!("{case}: epoch key {epoch:?} is not a number: {e}"));
            (epoch, *l)
        })
        .collect();
    losses.sort_by_key(|&(epoch, _)| epoch);
    losses
}

/// Rows of a case's data as fixed-width samples; panics naming the case if a row is not `N` wide.
pub fn rows<const N: usize>(case: &str, what: &str, rows: &[Vec<f32>]) -> Vec<[f32; N]> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            row.as_slice().try_into().unwrap_or_else(|_| {
                panic!(
                    "{case}: {what}[{i}] has {} values, the model takes {N}",
                    row.len()
                )
            })
        })
        .collect()
}

/// Writes a `state_dict` into `model` by parameter name, checking that every parameter of the
/// model is in `state` with the same shape, and that `state` has no other entries.
pub fn load_state_dict<M: Module>(case: &str, model: &mut M, state: &StateDict) {
    let mut seen = Vec::new();
    for param in model.parameters_mut() {
        let name = param.name.to_string();
        let tensor = state
            .get(&name)
            .unwrap_or_else(|| panic!("{case}: the model's parameter {name} is not in the case"));
        assert_eq!(
            tensor.shape,
            param.shape.dims(),
            "{case}: {name} has shape {:?} in the case but {:?} in the model",
            tensor.shape,
            param.shape
        );
        assert_eq!(
            tensor.data.len(),
            param.data.len(),
            "{case}: {name} has {} values in the case but {} in the model",
            tensor.data.len(),
            param.data.len()
        );
        for (p, &v) in param.data.iter_mut().zip(&tensor.data) {
            *p = v as f32;
        }
        seen.push(name);
    }
    for name in state.keys() {
        assert!(
            seen.contains(name),
            "{case}: the case has a parameter {name} that the model does not"
        );
    }
}
