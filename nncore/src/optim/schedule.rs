//! Learning-rate schedules (`torch.optim.lr_scheduler`), in PyTorch's closed forms.
//!
//! A schedule sets the learning rate of any [`Optimizer`]: call [`StepLR::step`] once per
//! epoch, after the epoch's optimizer steps, as with PyTorch's `scheduler.step()`.

use crate::error::Error;
use crate::math;
use crate::module::Module;
use crate::optim::Optimizer;

/// Multiplies the learning rate by `gamma` every `step_size` epochs:
/// `lr = base_lr · gamma^⌊epoch / step_size⌋`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepLR {
    base_lr: f32,
    step_size: u32,
    gamma: f32,
    epoch: u32,
}

impl StepLR {
    /// A schedule starting from the optimizer's current learning rate.
    ///
    /// # Errors
    /// [`Error::Hyperparameter`] if `step_size` is zero or `gamma` is negative or NaN.
    pub fn new<M: Module>(
        optimizer: &impl Optimizer<M>,
        step_size: u32,
        gamma: f32,
    ) -> Result<Self, Error> {
        if step_size == 0 {
            return Err(Error::Hyperparameter {
                name: "step_size",
                value: 0.0,
                reason: "it must be at least one epoch",
            });
        }
        if gamma.is_nan() || gamma < 0.0 {
            return Err(Error::Hyperparameter {
                name: "gamma",
                value: gamma,
                reason: "it must be zero or more",
            });
        }
        Ok(StepLR {
            base_lr: optimizer.lr(),
            step_size,
            gamma,
            epoch: 0,
        })
    }

    /// The learning rate for `epoch` (0 is the start).
    #[must_use]
    pub fn lr_at(&self, epoch: u32) -> f32 {
        let exponent = i32::try_from(epoch / self.step_size).unwrap_or(i32::MAX);
        (f64::from(self.base_lr) * math::powi_f64(f64::from(self.gamma), exponent)) as f32
    }

    /// Ends an epoch: advances the schedule and sets the optimizer's learning rate.
    ///
    /// # Errors
    /// The optimizer's, if it refuses the rate: [`Error::Hyperparameter`] for a NaN, which
    /// extreme settings can give (`0 · ∞`). The schedule and the optimizer are then unchanged.
    pub fn step<M: Module>(&mut self, optimizer: &mut impl Optimizer<M>) -> Result<(), Error> {
        let epoch = self.epoch.saturating_add(1);
        optimizer.set_lr(self.lr_at(epoch))?;
        self.epoch = epoch;
        Ok(())
    }

    /// The number of epochs stepped.
    #[must_use]
    pub fn epoch(&self) -> u32 {
        self.epoch
    }
}

/// Anneals the learning rate along a half cosine from its start to `eta_min` over `t_max`
/// epochs: `lr = eta_min + (base_lr - eta_min) (1 + cos(π · epoch / t_max)) / 2`.
///
/// Past `t_max` the closed form continues as a cosine, as PyTorch's does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineAnnealingLR {
    base_lr: f32,
    t_max: u32,
    eta_min: f32,
    epoch: u32,
}

impl CosineAnnealingLR {
    /// A schedule starting from the optimizer's current learning rate.
    ///
    /// # Errors
    /// [`Error::Hyperparameter`] if `t_max` is zero or `eta_min` is negative or NaN.
    pub fn new<M: Module>(
        optimizer: &impl Optimizer<M>,
        t_max: u32,
        eta_min: f32,
    ) -> Result<Self, Error> {
        if t_max == 0 {
            return Err(Error::Hyperparameter {
                name: "T_max",
                value: 0.0,
                reason: "it must be at least one epoch",
            });
        }
        if eta_min.is_nan() || eta_min < 0.0 {
            return Err(Error::Hyperparameter {
                name: "eta_min",
                value: eta_min,
                reason: "it must be zero or more",
            });
        }
        Ok(CosineAnnealingLR {
            base_lr: optimizer.lr(),
            t_max,
            eta_min,
            epoch: 0,
        })
    }

    /// The learning rate for `epoch` (0 is the start).
    #[must_use]
    pub fn lr_at(&self, epoch: u32) -> f32 {
        let (base, min) = (f64::from(self.base_lr), f64::from(self.eta_min));
        let phase = core::f64::consts::PI * f64::from(epoch) / f64::from(self.t_max);
        (min + (base - min) * (1.0 + math::cos_f64(phase)) / 2.0) as f32
    }

    /// Ends an epoch: advances the schedule and sets the optimizer's learning rate.
    ///
    /// # Errors
    /// The optimizer's, if it refuses the rate: [`Error::Hyperparameter`] for a NaN, which
    /// extreme settings can give (`0 · ∞`). The schedule and the optimizer are then unchanged.
    pub fn step<M: Module>(&mut self, optimizer: &mut impl Optimizer<M>) -> Result<(), Error> {
        let epoch = self.epoch.saturating_add(1);
        optimizer.set_lr(self.lr_at(epoch))?;
        self.epoch = epoch;
        Ok(())
    }

    /// The number of epochs stepped.
    #[must_use]
    pub fn epoch(&self) -> u32 {
        self.epoch
    }
}
