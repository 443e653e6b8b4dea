//! `torch.optim.Adam` and `torch.optim.AdamW`.

use crate::error::Error;
use crate::grads::Grads;
use crate::math;
use crate::module::Module;
use crate::optim::{Optimizer, State, check_lr, new_state};

/// The settings of [`Adam`], with PyTorch's names and defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// The learning rate (default 1e-3).
    pub lr: f32,
    /// The decay rates of the gradient's running mean and of its square (default 0.9, 0.999).
    pub betas: (f32, f32),
    /// Added to the denominator, after the square root (default 1e-8).
    pub eps: f32,
    /// Weight decay (default 0 for Adam, 1e-2 for AdamW).
    pub weight_decay: f32,
    /// Use the maximum of past squared-gradient averages (AMSGrad; default off).
    pub amsgrad: bool,
    /// Maximize the objective instead of minimizing it (default off).
    pub maximize: bool,
}

impl Default for AdamConfig {
    /// `torch.optim.Adam`'s defaults.
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
        }
    }
}

/// The settings of [`AdamW`]: Adam's, but the weight decay defaults to 1e-2 as in
/// `torch.optim.AdamW`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWConfig {
    /// The learning rate (default 1e-3).
    pub lr: f32,
    /// The decay rates of the gradient's running mean and of its square (default 0.9, 0.999).
    pub betas: (f32, f32),
    /// Added to the denominator, after the square root (default 1e-8).
    pub eps: f32,
    /// Decoupled weight decay: each step multiplies the weights by `1 - lr · weight_decay`
    /// (default 1e-2).
    pub weight_decay: f32,
    /// Use the maximum of past squared-gradient averages (AMSGrad; default off).
    pub amsgrad: bool,
    /// Maximize the objective instead of minimizing it (default off).
    pub maximize: bool,
}

impl Default for AdamWConfig {
    /// `torch.optim.AdamW`'s defaults.
    fn default() -> Self {
        AdamWConfig {
            weight_decay: 1e-2,
            ..AdamWConfig::from(AdamConfig::default())
        }
    }
}

impl From<AdamConfig> for AdamWConfig {
    fn from(c: AdamConfig) -> Self {
        let AdamConfig {
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize,
        } = c;
        AdamWConfig {
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize,
        }
    }
}

impl From<AdamWConfig> for AdamConfig {
    fn from(c: AdamWConfig) -> Self {
        let AdamWConfig {
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize,
        } = c;
        AdamConfig {
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize,
        }
    }
}

/// Adam, step for step what `torch.optim.Adam` does (the single-tensor CPU path):
///
/// ```text
/// g = ±grad (+ weight_decay · p for Adam)       p ← p (1 - lr · weight_decay) for AdamW
/// m ← m + (1 - β₁)(g - m)      v ← β₂ v + (1 - β₂) g²      (v̂ ← max(v̂, v) with amsgrad)
/// p ← p - lr / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + eps)
/// ```
///
/// The running averages have the model's own type, so the optimizer needs no heap. For
/// decoupled weight decay use [`AdamW`].
#[derive(Clone, Debug, PartialEq)]
pub struct Adam<M> {
    config: AdamConfig,
    moments: Moments<M>,
}

/// AdamW, step for step what `torch.optim.AdamW` does: [`Adam`] with the weight decay
/// applied to the weights directly (`p ← p (1 - lr · weight_decay)`) instead of to the gradient.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamW<M> {
    config: AdamWConfig,
    moments: Moments<M>,
}

/// What Adam and AdamW keep between steps: the step count and the running averages.
#[derive(Clone, Debug, PartialEq)]
struct Moments<M> {
    step: u32,
    exp_avg: State<M>,
    exp_avg_sq: State<M>,
    max_exp_avg_sq: Option<State<M>>,
}

impl<M: Module> Adam<M> {
    /// Adam, with weight decay as an L2 penalty added to the gradient (`torch.optim.Adam`).
    ///
    /// # Errors
    /// [`Error::Hyperparameter`] for the settings PyTorch rejects: a negative or NaN learning
    /// rate, eps or weight decay, and betas outside `[0, 1)`.
    pub fn new(config: AdamConfig) -> Result<Self, Error> {
        check(&config)?;
        Ok(Adam {
            config,
            moments: Moments::new(config.amsgrad),
        })
    }

    /// The settings in force.
    #[must_use]
    pub fn config(&self) -> &AdamConfig {
        &self.config
    }

    /// The number of steps taken.
    #[must_use]
    pub fn steps(&self) -> u32 {
        self.moments.step
    }
}

impl<M: Module> AdamW<M> {
    /// An optimizer with the given settings.
    ///
    /// # Errors
    /// As [`Adam::new`].
    pub fn new(config: AdamWConfig) -> Result<Self, Error> {
        check(&config.into())?;
        Ok(AdamW {
            config,
            moments: Moments::new(config.amsgrad),
        })
    }

    /// The settings in force.
    #[must_use]
    pub fn config(&self) -> &AdamWConfig {
        &self.config
    }

    /// The number of steps taken.
    #[must_use]
    pub fn steps(&self) -> u32 {
        self.moments.step
    }
}

/// The settings PyTorch rejects, as [`Adam::new`] lists them.
fn check(config: &AdamConfig) -> Result<(), Error> {
    let invalid = |name, value, reason| {
        Err(Error::Hyperparameter {
            name,
            value,
            reason,
        })
    };
    let not_negative = |v: f32| v >= 0.0;
    let beta_ok = |b: f32| (0.0..1.0).contains(&b);
    check_lr(config.lr)?;
    if !not_negative(config.eps) {
        return invalid("epsilon", config.eps, "it must be zero or more");
    }
    if !beta_ok(config.betas.0) {
        return invalid("beta1", config.betas.0, "it must be in [0, 1)");
    }
    if !beta_ok(config.betas.1) {
        return invalid("beta2", config.betas.1, "it must be in [0, 1)");
    }
    if !not_negative(config.weight_decay) {
        return invalid(
            "weight_decay",
            config.weight_decay,
            "it must be zero or more",
        );
    }
    Ok(())
}

impl<M: Module> Moments<M> {
    /// Zero averages, made with the optimizer so that `step` never allocates.
    fn new(amsgrad: bool) -> Self {
        Moments {
            step: 0,
            exp_avg: new_state::<M>(),
            exp_avg_sq: new_state::<M>(),
            max_exp_avg_sq: amsgrad.then(new_state::<M>),
        }
    }

    /// One step of Adam, or of AdamW if `decoupled`.
    fn step(&mut self, config: &AdamConfig, decoupled: bool, model: &mut M, grads: &Grads<M>) {
        let AdamConfig {
            lr,
            betas: (beta1, beta2),
            eps,
            weight_decay,
            maximize,
            ..
        } = *config;
        self.step = self.step.saturating_add(1);
        // PyTorch computes the bias corrections in Python floats (f64).
        let step = i32::try_from(self.step).unwrap_or(i32::MAX);
        let bias_correction1 = 1.0 - math::powi_f64(f64::from(beta1), step);
        let bias_correction2 = 1.0 - math::powi_f64(f64::from(beta2), step);
        let step_size = (f64::from(lr) / bias_correction1) as f32;
        let bias_correction2_sqrt = math::sqrt_f64(bias_correction2) as f32;
        let (avg_weight, sq_weight) = (
            (1.0 - f64::from(beta1)) as f32,
            (1.0 - f64::from(beta2)) as f32,
        );
        let decay = if decoupled {
            (1.0 - f64::from(lr) * f64::from(weight_decay)) as f32
        } else {
            1.0
        };
        let mut maxima = self
            .max_exp_avg_sq
            .as_mut()
            .map(|state| state.parameter_data_mut());
        let states = self
            .exp_avg
            .parameter_data_mut()
            .zip(self.exp_avg_sq.parameter_data_mut());
        let params = model.parameter_data_mut().zip(grads.parameter_data());
        for ((param, grad), (m, v)) in params.zip(states) {
            let mut max = maxima.as_mut().and_then(Iterator::next);
            for (i, (p, &g)) in param.iter_mut().zip(grad).enumerate() {
                let mut g = if maximize { -g } else { g };
                if weight_decay != 0.0 {
                    if decoupled {
                        *p *= decay;
                    } else {
                        g += weight_decay * *p;
                    }
                }
                let (m, v) = (&mut m[i], &mut v[i]);
                // `exp_avg.lerp_(grad, 1 - beta1)`.
                *m += avg_weight * (g - *m);
                *v = *v * beta2 + sq_weight * g * g;
                let second = match max.as_mut() {
                    Some(max) => {
                        let max = &mut max[i];
                        *max = max.max(*v);
                        *max
                    }
                    None => *v,
                };
                let denom = math::sqrt(second) / bias_correction2_sqrt + eps;
                *p += -step_size * (*m / denom);
            }
        }
    }
}

impl<M: Module> Optimizer<M> for Adam<M> {
    fn step(&mut self, model: &mut M, grads: &Grads<M>) {
        self.moments.step(&self.config, false, model, grads);
    }

    fn lr(&self) -> f32 {
        self.config.lr
    }

    fn set_lr(&mut self, lr: f32) -> Result<(), Error> {
        self.config.lr = check_lr(lr)?;
        Ok(())
    }
}

impl<M: Module> Optimizer<M> for AdamW<M> {
    fn step(&mut self, model: &mut M, grads: &Grads<M>) {
        self.moments.step(&self.config.into(), true, model, grads);
    }

    fn lr(&self) -> f32 {
        self.config.lr
    }

    fn set_lr(&mut self, lr: f32) -> Result<(), Error> {
        self.config.lr = check_lr(lr)?;
        Ok(())
    }
}
