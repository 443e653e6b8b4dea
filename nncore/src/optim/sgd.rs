//! `torch.optim.SGD`.

use crate::error::Error;
use crate::grads::Grads;
use crate::module::Module;
use crate::optim::{Optimizer, State, check_lr, new_state};

/// The settings of [`SGD`], with PyTorch's names and defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SGDConfig {
    /// The learning rate (default 1e-3).
    pub lr: f32,
    /// The momentum factor (default 0).
    pub momentum: f32,
    /// Dampening for momentum (default 0).
    pub dampening: f32,
    /// L2 penalty added to the gradient (default 0).
    pub weight_decay: f32,
    /// Nesterov momentum (default off).
    pub nesterov: bool,
    /// Maximize the objective instead of minimizing it (default off).
    pub maximize: bool,
}

impl Default for SGDConfig {
    fn default() -> Self {
        SGDConfig {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }
}

/// Stochastic gradient descent, step for step what `torch.optim.SGD` does.
///
/// The momentum buffers have the model's own type, so the optimizer needs no heap. The first
/// step with momentum sets each buffer to the gradient, as PyTorch does.
#[derive(Clone, Debug, PartialEq)]
pub struct SGD<M> {
    config: SGDConfig,
    /// Made with the optimizer when `momentum` is on, so that `step` never allocates.
    momentum_buffer: Option<State<M>>,
    /// The steps taken; PyTorch starts each buffer at the first gradient rather than at zero.
    steps: u32,
}

impl<M: Module> SGD<M> {
    /// An optimizer with the given settings.
    ///
    /// # Errors
    /// [`Error::Hyperparameter`] for the settings PyTorch rejects: a negative or NaN learning
    /// rate, momentum or weight decay, and Nesterov momentum without momentum or with dampening.
    pub fn new(config: SGDConfig) -> Result<Self, Error> {
        let invalid = |name, value, reason| {
            Err(Error::Hyperparameter {
                name,
                value,
                reason,
            })
        };
        check_lr(config.lr)?;
        if config.momentum.is_nan() || config.momentum < 0.0 {
            return invalid("momentum", config.momentum, "it must be zero or more");
        }
        if config.weight_decay.is_nan() || config.weight_decay < 0.0 {
            return invalid(
                "weight_decay",
                config.weight_decay,
                "it must be zero or more",
            );
        }
        if config.nesterov && config.momentum <= 0.0 {
            return invalid(
                "momentum",
                config.momentum,
                "Nesterov momentum requires a momentum and zero dampening",
            );
        }
        if config.nesterov && config.dampening != 0.0 {
            return invalid(
                "dampening",
                config.dampening,
                "Nesterov momentum requires a momentum and zero dampening",
            );
        }
        Ok(SGD {
            config,
            momentum_buffer: (config.momentum != 0.0).then(new_state::<M>),
            steps: 0,
        })
    }

    /// The settings in force.
    #[must_use]
    pub fn config(&self) -> &SGDConfig {
        &self.config
    }

    /// The number of steps taken.
    #[must_use]
    pub fn steps(&self) -> u32 {
        self.steps
    }
}

impl<M: Module> Optimizer<M> for SGD<M> {
    fn step(&mut self, model: &mut M, grads: &Grads<M>) {
        let SGDConfig {
            lr,
            momentum,
            dampening,
            weight_decay,
            nesterov,
            maximize,
        } = self.config;
        let first_step = self.steps == 0;
        self.steps = self.steps.saturating_add(1);
        let mut buffers = self
            .momentum_buffer
            .as_mut()
            .map(|b| b.parameter_data_mut());
        for (param, grad) in model.parameter_data_mut().zip(grads.parameter_data()) {
            let mut buffer = buffers.as_mut().and_then(Iterator::next);
            for (i, (p, &g)) in param.iter_mut().zip(grad).enumerate() {
                let mut g = if maximize { -g } else { g };
                if weight_decay != 0.0 {
                    g += weight_decay * *p;
                }
                if let Some(buf) = buffer.as_mut() {
                    let b = &mut buf[i];
                    *b = if first_step {
                        g
                    } else {
                        *b * momentum + (1.0 - dampening) * g
                    };
                    g = if nesterov { g + momentum * *b } else { *b };
                }
                *p += -lr * g;
            }
        }
    }

    fn lr(&self) -> f32 {
        self.config.lr
    }

    fn set_lr(&mut self, lr: f32) -> Result<(), Error> {
        self.config.lr = check_lr(lr)?;
        Ok(())
    }
}
