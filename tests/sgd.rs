//! `SGD` against the update rule of `torch.optim.SGD` as PyTorch documents it
//! (<https://pytorch.org/docs/stable/generated/torch.optim.SGD.html>), written out in f64, and
//! the settings PyTorch rejects.

mod common;

use common::{Tolerance, assert_close};
use nncore::prelude::*;
use nncore::{Error, Grads, MSELoss, SGD, SGDConfig};

nncore::sequential! {
    struct Tiny(Linear(2, 3), Tanh, Linear(3, 1, bias = false));
}

/// One `SGD` step in f32 against the f64 rule: only rounding apart.
const STEP: Tolerance = Tolerance {
    rel: 1e-6,
    abs: 1e-7,
};

/// `torch.optim.SGD`'s algorithm for one parameter vector, in f64.
struct Reference {
    config: SGDConfig,
    params: Vec<f64>,
    buffer: Option<Vec<f64>>,
}

impl Reference {
    fn new(config: SGDConfig, params: Vec<f64>) -> Self {
        Reference {
            config,
            params,
            buffer: None,
        }
    }

    /// One step, as the documentation writes it:
    ///
    /// ```text
    /// g ← -∇f if maximize else ∇f
    /// if λ ≠ 0:  g ← g + λθ
    /// if μ ≠ 0:  b ← μb + (1 - τ)g if t > 1 else g
    ///            g ← g + μb if nesterov else b
    /// θ ← θ - γg
    /// ```
    fn step(&mut self, grads: &[f64]) {
        let c = self.config;
        let (lr, momentum, dampening, weight_decay) = (
            f64::from(c.lr),
            f64::from(c.momentum),
            f64::from(c.dampening),
            f64::from(c.weight_decay),
        );
        let mut g: Vec<f64> = grads
            .iter()
            .map(|&g| if c.maximize { -g } else { g })
            .collect();
        if weight_decay != 0.0 {
            for (g, &p) in g.iter_mut().zip(&self.params) {
                *g += weight_decay * p;
            }
        }
        if momentum != 0.0 {
            let b = match self.buffer.take() {
                None => g.clone(),
                Some(b) => b
                    .iter()
                    .zip(&g)
                    .map(|(&b, &g)| momentum * b + (1.0 - dampening) * g)
                    .collect(),
            };
            if c.nesterov {
                for (g, &b) in g.iter_mut().zip(&b) {
                    *g += momentum * b;
                }
            } else {
                g.clone_from(&b);
            }
            self.buffer = Some(b);
        }
        for (p, g) in self.params.iter_mut().zip(&g) {
            *p -= lr * g;
        }
    }
}

/// Every parameter of `model`, flattened in PyTorch's order, in f64.
fn flat(model: &Tiny) -> Vec<f64> {
    model
        .parameters()
        .flat_map(|p| p.data.iter().map(|&v| f64::from(v)))
        .collect()
}

/// A fixed starting model and a batch it does not fit.
fn setup() -> (Tiny, [[f32; 2]; 4], [[f32; 1]; 4]) {
    let model = Tiny(
        nncore::Linear {
            weight: [[0.5, -0.3], [0.2, 0.8], [-0.7, 0.1]],
            bias: [0.1, -0.2, 0.05],
        },
        nncore::Tanh,
        nncore::LinearNoBias {
            weight: [[0.6, -0.4, 0.9]],
        },
    );
    let xs = [[0.1, 0.9], [-0.5, 0.3], [0.8, -0.6], [-0.2, -0.7]];
    let ys = [[0.5], [-0.3], [0.9], [0.1]];
    (model, xs, ys)
}

/// Trains `Tiny` for `steps` steps with `config` and checks every parameter after every step
/// against the reference fed the same gradients.
fn check(what: &str, config: SGDConfig, steps: usize) {
    let (mut model, xs, ys) = setup();
    let mut optimizer = SGD::new(config).unwrap();
    let mut reference = Reference::new(config, flat(&model));
    let mut grads = Grads::<Tiny>::new();
    for step in 1..=steps {
        grads.zero_grad();
        model
            .backward_loss(&MSELoss::new(), &xs, &ys, &mut grads)
            .unwrap();
        let g = flat(&grads);
        assert!(g.iter().any(|&g| g != 0.0), "{what}: a gradient to follow");
        optimizer.step(&mut model, &grads);
        reference.step(&g);
        for (i, (&actual, &expected)) in flat(&model).iter().zip(&reference.params).enumerate() {
            let label = format_args!("{what}: step {step}, parameter value {i}");
            assert_close(actual, expected, STEP, label);
        }
    }
}

const LR: f32 = 0.1;

#[test]
fn defaults_are_pytorchs() {
    assert_eq!(
        SGDConfig::default(),
        SGDConfig {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    );
}

#[test]
fn plain() {
    check(
        "plain",
        SGDConfig {
            lr: LR,
            ..SGDConfig::default()
        },
        5,
    );
}

#[test]
fn momentum() {
    let config = SGDConfig {
        lr: LR,
        momentum: 0.9,
        ..SGDConfig::default()
    };
    check("momentum", config, 5);
}

/// The first step sets the buffer to the gradient itself, without `1 - dampening`: it is the
/// plain step, bit for bit.
#[test]
fn first_momentum_step_is_the_plain_step() {
    let (model, xs, ys) = setup();
    let mut grads = Grads::<Tiny>::new();
    model
        .backward_loss(&MSELoss::new(), &xs, &ys, &mut grads)
        .unwrap();
    let plain = SGDConfig {
        lr: LR,
        ..SGDConfig::default()
    };
    let mut expected = model.clone();
    SGD::new(plain).unwrap().step(&mut expected, &grads);
    for (momentum, dampening) in [(0.9, 0.0), (0.9, 0.5), (0.5, 0.9)] {
        let mut stepped = model.clone();
        let config = SGDConfig {
            momentum,
            dampening,
            ..plain
        };
        SGD::new(config).unwrap().step(&mut stepped, &grads);
        assert_eq!(
            stepped, expected,
            "momentum {momentum}, dampening {dampening}"
        );
    }
}

#[test]
fn dampening() {
    let config = SGDConfig {
        lr: LR,
        momentum: 0.9,
        dampening: 0.3,
        ..SGDConfig::default()
    };
    check("dampening", config, 5);
}

#[test]
fn nesterov() {
    let config = SGDConfig {
        lr: LR,
        momentum: 0.9,
        nesterov: true,
        ..SGDConfig::default()
    };
    check("nesterov", config, 5);
}

#[test]
fn weight_decay() {
    let config = SGDConfig {
        lr: LR,
        weight_decay: 0.05,
        ..SGDConfig::default()
    };
    check("weight_decay", config, 5);
    let config = SGDConfig {
        momentum: 0.8,
        ..config
    };
    check("weight_decay with momentum", config, 5);
}

#[test]
fn maximize() {
    let config = SGDConfig {
        lr: LR,
        maximize: true,
        ..SGDConfig::default()
    };
    check("maximize", config, 5);
    // With weight decay the gradient is negated first, then decayed, as PyTorch does.
    let config = SGDConfig {
        weight_decay: 0.05,
        momentum: 0.7,
        ..config
    };
    check("maximize with weight_decay and momentum", config, 5);
}

#[test]
fn everything_at_once() {
    let config = SGDConfig {
        lr: 0.05,
        momentum: 0.8,
        dampening: 0.0,
        weight_decay: 0.01,
        nesterov: true,
        maximize: false,
    };
    check("nesterov with weight_decay", config, 8);
}

#[test]
fn zero_learning_rate_changes_nothing() {
    let (mut model, xs, ys) = setup();
    let before = model.clone();
    let mut grads = Grads::<Tiny>::new();
    model
        .backward_loss(&MSELoss::new(), &xs, &ys, &mut grads)
        .unwrap();
    let config = SGDConfig {
        lr: 0.0,
        momentum: 0.9,
        ..SGDConfig::default()
    };
    let mut optimizer = SGD::new(config).unwrap();
    optimizer.step(&mut model, &grads);
    optimizer.step(&mut model, &grads);
    assert_eq!(model, before);
}

/// The settings PyTorch rejects, and the setting each error names.
#[test]
fn invalid_settings_are_errors() {
    let base = SGDConfig::default();
    let cases = [
        ("learning rate", SGDConfig { lr: -0.1, ..base }),
        (
            "learning rate",
            SGDConfig {
                lr: f32::NAN,
                ..base
            },
        ),
        (
            "momentum",
            SGDConfig {
                momentum: -0.5,
                ..base
            },
        ),
        (
            "momentum",
            SGDConfig {
                momentum: f32::NAN,
                ..base
            },
        ),
        (
            "weight_decay",
            SGDConfig {
                weight_decay: -1e-4,
                ..base
            },
        ),
        (
            "weight_decay",
            SGDConfig {
                weight_decay: f32::NAN,
                ..base
            },
        ),
        (
            "momentum",
            SGDConfig {
                nesterov: true,
                ..base
            },
        ),
        (
            "dampening",
            SGDConfig {
                nesterov: true,
                momentum: 0.9,
                dampening: 0.1,
                ..base
            },
        ),
    ];
    for (setting, config) in cases {
        match SGD::<Tiny>::new(config) {
            Err(Error::Hyperparameter { name, .. }) => {
                assert_eq!(name, setting, "{config:?}");
            }
            other => panic!("{config:?}: expected a Hyperparameter error, got {other:?}"),
        }
    }
    let valid = SGDConfig {
        lr: 0.0,
        momentum: 0.9,
        nesterov: true,
        ..base
    };
    assert!(
        SGD::<Tiny>::new(valid).is_ok(),
        "lr 0 with Nesterov momentum is valid"
    );
}
