//! `nn.Linear`: `y = W x + b`.

use core::fmt;

use crate::kernels::dense;
use crate::math::sqrt;
use crate::module::{Layer, Module};
use crate::state::{Name, Param, ParamMut, Shape};
use rand::distr::{Distribution, Uniform};

/// A fully connected layer, `y = W x + b` (PyTorch's `nn.Linear(IN, OUT)`).
///
/// `weight` is `[[f32; IN]; OUT]`: PyTorch's `[out_features, in_features]`, row-major. A
/// sample's output and gradients have the same bits whether it runs alone or anywhere in a
/// batch, and a batch's weight gradient is, bit for bit, its samples' added one at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear<const IN: usize, const OUT: usize> {
    /// `weight[o][i]` connects input `i` to output `o`.
    pub weight: [[f32; IN]; OUT],
    /// One bias per output.
    pub bias: [f32; OUT],
}

/// A fully connected layer without bias, `y = W x` (`nn.Linear(IN, OUT, bias=False)`).
///
/// `weight` is `[[f32; IN]; OUT]`, as in [`Linear`].
#[derive(Clone, Debug, PartialEq)]
pub struct LinearNoBias<const IN: usize, const OUT: usize> {
    /// `weight[o][i]` connects input `i` to output `o`.
    pub weight: [[f32; IN]; OUT],
}

impl<const IN: usize, const OUT: usize> Linear<IN, OUT> {
    /// A layer whose parameters are all zero.
    pub const ZERO: Self = Linear {
        weight: [[0.0; IN]; OUT],
        bias: [0.0; OUT],
    };

    /// PyTorch's default initialization: weight and bias uniform in ±1/√IN (zero for `IN = 0`).
    pub fn init<R: rand::Rng + ?Sized>(rng: &mut R) -> Self {
        let mut layer = Self::ZERO;
        layer.reset_parameters(rng);
        layer
    }

    /// Draws new parameters in place, as [`Linear::init`] does (`reset_parameters()`).
    pub fn reset_parameters<R: rand::Rng + ?Sized>(&mut self, rng: &mut R) {
        let dist = init_distribution(IN);
        fill(self.weight.as_flattened_mut(), dist.as_ref(), rng);
        fill(&mut self.bias, dist.as_ref(), rng);
    }
}

impl<const IN: usize, const OUT: usize> LinearNoBias<IN, OUT> {
    /// A layer whose weights are all zero.
    pub const ZERO: Self = LinearNoBias {
        weight: [[0.0; IN]; OUT],
    };

    /// PyTorch's default initialization: weight uniform in ±1/√IN (empty for `IN = 0`).
    pub fn init<R: rand::Rng + ?Sized>(rng: &mut R) -> Self {
        let mut layer = Self::ZERO;
        layer.reset_parameters(rng);
        layer
    }

    /// Draws new weights in place, as [`LinearNoBias::init`] does (`reset_parameters()`).
    pub fn reset_parameters<R: rand::Rng + ?Sized>(&mut self, rng: &mut R) {
        fill(
            self.weight.as_flattened_mut(),
            init_distribution(IN).as_ref(),
            rng,
        );
    }
}

impl<const IN: usize, const OUT: usize> Linear<IN, OUT> {
    /// This layer with its weight (row-major) then bias taken from the first `IN * OUT + OUT`
    /// values of `params`; for `from_state` written by `sequential!`, which passes enough.
    #[doc(hidden)]
    #[must_use]
    pub const fn with_state(mut self, params: &[f32], _buffers: &[f32]) -> Self {
        let mut o = 0;
        while o < OUT {
            let mut i = 0;
            while i < IN {
                self.weight[o][i] = params[o * IN + i];
                i += 1;
            }
            self.bias[o] = params[IN * OUT + o];
            o += 1;
        }
        self
    }
}

impl<const IN: usize, const OUT: usize> LinearNoBias<IN, OUT> {
    /// This layer with its weight taken from the first `IN * OUT` values of `params`, row-major.
    #[doc(hidden)]
    #[must_use]
    pub const fn with_state(mut self, params: &[f32], _buffers: &[f32]) -> Self {
        let mut o = 0;
        while o < OUT {
            let mut i = 0;
            while i < IN {
                self.weight[o][i] = params[o * IN + i];
                i += 1;
            }
            o += 1;
        }
        self
    }
}

/// `kaiming_uniform_(a=√5)` on the weight and the bias rule of `nn.Linear.reset_parameters`
/// both come to U(-1/√fan_in, 1/√fan_in). Without inputs PyTorch's bound is 0: `None`, zeros.
pub(crate) fn init_distribution(fan_in: usize) -> Option<Uniform<f32>> {
    if fan_in == 0 {
        return None;
    }
    let bound = 1.0 / sqrt(fan_in as f32);
    Uniform::new(-bound, bound).ok()
}

/// Draws every value from `dist`, or sets it to zero for `None`.
pub(crate) fn fill<R: rand::Rng + ?Sized>(
    values: &mut [f32],
    dist: Option<&Uniform<f32>>,
    rng: &mut R,
) {
    match dist {
        Some(dist) => values.iter_mut().for_each(|v| *v = dist.sample(rng)),
        None => values.fill(0.0),
    }
}

/// The `Layer` methods of a dense layer, written once for both kinds; `$bias` gives the bias
/// of a layer (`self`) or of its gradients (`grads`) as an `Option`.
macro_rules! dense_layer {
    ($layer:ident, |$s:ident| $bias:expr, |$g:ident| $bias_grad:expr) => {
        impl<const IN: usize, const OUT: usize> Layer<[f32; IN], [f32; OUT]> for $layer<IN, OUT> {
            #[inline]
            fn forward(&self, x: &[f32; IN]) -> [f32; OUT] {
                let mut y = [0.0; OUT];
                self.forward_batch(core::slice::from_ref(x), core::slice::from_mut(&mut y));
                y
            }

            #[inline]
            fn backward_params(
                &self,
                x: &[f32; IN],
                _y: &[f32; OUT],
                dy: &[f32; OUT],
                grads: &mut Self,
            ) {
                let $g = grads;
                dense::weight_grad(
                    &mut $g.weight,
                    $bias_grad,
                    core::slice::from_ref(x),
                    core::slice::from_ref(dy),
                );
            }

            #[inline]
            fn backward_input(
                &self,
                _x: &[f32; IN],
                _y: &[f32; OUT],
                dy: &[f32; OUT],
            ) -> [f32; IN] {
                let mut dx = [0.0; IN];
                dense::input_grad(
                    &self.weight,
                    core::slice::from_ref(dy),
                    core::slice::from_mut(&mut dx),
                );
                dx
            }

            #[inline]
            fn forward_batch(&self, x: &[[f32; IN]], y: &mut [[f32; OUT]]) {
                let $s = self;
                dense::forward(&$s.weight, $bias, x, y);
            }

            #[inline]
            fn backward_params_batch(
                &self,
                x: &[[f32; IN]],
                _y: &[[f32; OUT]],
                dy: &[[f32; OUT]],
                grads: &mut Self,
            ) {
                let $g = grads;
                dense::weight_grad(&mut $g.weight, $bias_grad, x, dy);
            }

            #[inline]
            fn backward_input_batch(
                &self,
                _x: &[[f32; IN]],
                _y: &[[f32; OUT]],
                dy: &[[f32; OUT]],
                dx: &mut [[f32; IN]],
            ) {
                dense::input_grad(&self.weight, dy, dx);
            }
        }
    };
}

dense_layer!(Linear, |layer| Some(&layer.bias), |grads| Some(
    &mut grads.bias
));
dense_layer!(LinearNoBias, |_layer| None, |_grads| None);

const WEIGHT: Name = Name::local("weight");
const BIAS: Name = Name::local("bias");

// SAFETY: the fields are arrays of `f32`, and all-zero bits are the `f32` `0.0`.
unsafe impl<const IN: usize, const OUT: usize> crate::heap::Zeroable for Linear<IN, OUT> {}

impl<const IN: usize, const OUT: usize> Module for Linear<IN, OUT> {
    const NUM_PARAMS: usize = IN * OUT + OUT;
    const MULTIPLY_ADDS: usize = IN * OUT;
    const MAX_WIDTH: usize = if IN > OUT { IN } else { OUT };

    fn zeros() -> Self {
        Self::ZERO
    }

    #[cfg(feature = "alloc")]
    fn zeros_boxed() -> alloc::boxed::Box<Self> {
        crate::heap::zeroed_box()
    }

    fn parameters(&self) -> impl Iterator<Item = Param<'_>> {
        [
            Param {
                name: WEIGHT,
                shape: Shape::matrix(OUT, IN),
                data: self.weight.as_flattened(),
            },
            Param {
                name: BIAS,
                shape: Shape::vector(OUT),
                data: &self.bias,
            },
        ]
        .into_iter()
    }

    fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>> {
        [
            ParamMut {
                name: WEIGHT,
                shape: Shape::matrix(OUT, IN),
                data: self.weight.as_flattened_mut(),
            },
            ParamMut {
                name: BIAS,
                shape: Shape::vector(OUT),
                data: &mut self.bias,
            },
        ]
        .into_iter()
    }
}

// SAFETY: the fields are arrays of `f32`, and all-zero bits are the `f32` `0.0`.
unsafe impl<const IN: usize, const OUT: usize> crate::heap::Zeroable for LinearNoBias<IN, OUT> {}

impl<const IN: usize, const OUT: usize> Module for LinearNoBias<IN, OUT> {
    const NUM_PARAMS: usize = IN * OUT;
    const MULTIPLY_ADDS: usize = IN * OUT;
    const MAX_WIDTH: usize = if IN > OUT { IN } else { OUT };

    fn zeros() -> Self {
        Self::ZERO
    }

    #[cfg(feature = "alloc")]
    fn zeros_boxed() -> alloc::boxed::Box<Self> {
        crate::heap::zeroed_box()
    }

    fn parameters(&self) -> impl Iterator<Item = Param<'_>> {
        core::iter::once(Param {
            name: WEIGHT,
            shape: Shape::matrix(OUT, IN),
            data: self.weight.as_flattened(),
        })
    }

    fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>> {
        core::iter::once(ParamMut {
            name: WEIGHT,
            shape: Shape::matrix(OUT, IN),
            data: self.weight.as_flattened_mut(),
        })
    }
}

impl<const IN: usize, const OUT: usize> fmt::Display for Linear<IN, OUT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Linear(in_features={IN}, out_features={OUT}, bias=True)")
    }
}

impl<const IN: usize, const OUT: usize> fmt::Display for LinearNoBias<IN, OUT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Linear(in_features={IN}, out_features={OUT}, bias=False)"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Linear, LinearNoBias};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// With no inputs PyTorch's bound is 0: the bias is zero, and nothing panics.
    #[test]
    fn init_without_inputs_is_zero() {
        let mut rng = StdRng::seed_from_u64(0);
        assert_eq!(Linear::<0, 3>::init(&mut rng), Linear::ZERO);
        assert_eq!(LinearNoBias::<0, 3>::init(&mut rng), LinearNoBias::ZERO);
        let mut layer = Linear::<0, 2> {
            weight: [[]; 2],
            bias: [1.0, -2.0],
        };
        layer.reset_parameters(&mut rng);
        assert_eq!(layer.bias, [0.0; 2]);
        // One input: the usual bound, 1.
        let layer = Linear::<1, 64>::init(&mut rng);
        let values = layer.weight.as_flattened().iter().chain(&layer.bias);
        assert!(values.clone().all(|v| v.abs() <= 1.0));
        assert!(values.clone().any(|&v| v != 0.0));
    }
}
