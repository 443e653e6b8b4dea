//! Folding an evaluation-mode BatchNorm into the layer before it, for deployment: into a
//! `Linear` in place ([`BatchNorm1d::fold_into`]), or while quantizing ([`Norm`]).

use super::{BatchNorm1d, BatchNorm2d};
use crate::layers::dense::linear::Linear;
use crate::math::sqrt;
use crate::quant::Norm;

macro_rules! norm {
    ($layer:ident) => {
        /// Evaluation mode as `y = (x − running_mean) · s + bias`, `s = weight / √(running_var +
        /// eps)`.
        impl<const C: usize> Norm for $layer<C> {
            fn channels(&self) -> usize {
                C
            }

            fn channel(&self, c: usize) -> [f32; 3] {
                let invstd = 1.0 / sqrt(self.running_var[c] + self.eps);
                [invstd * self.weight[c], self.running_mean[c], self.bias[c]]
            }
        }
    };
}
norm!(BatchNorm1d);
norm!(BatchNorm2d);

impl<const C: usize> BatchNorm1d<C> {
    /// Folds this layer, as evaluation mode computes it, into `linear`, the layer before it:
    /// afterwards `linear` alone gives what `linear` then `self` gave (up to rounding).
    ///
    /// With `s = weight / √(running_var + eps)`, each output row `o` becomes
    /// `w'[o] = w[o]·s[o]` and `b'[o] = (b[o] − running_mean[o])·s[o] + bias[o]`. In place, so
    /// that a large layer is never copied through the stack.
    ///
    /// ```
    /// # use nncore::{BatchNorm1d, Layer, Linear};
    /// let mut linear = Linear::<2, 1> { weight: [[1.0, -2.0]], bias: [0.5] };
    /// let mut norm = BatchNorm1d::<1>::new(0.0, 0.1);
    /// (norm.weight, norm.bias, norm.running_mean, norm.running_var) = ([3.0], [1.0], [0.5], [4.0]);
    /// let x = [2.0, 1.0];
    /// let y = norm.forward(&linear.forward(&x));
    /// norm.fold_into(&mut linear);
    /// assert_eq!((linear.weight, linear.bias), ([[1.5, -3.0]], [1.0]));
    /// assert_eq!(linear.forward(&x), y);
    /// ```
    pub fn fold_into<const IN: usize>(&self, linear: &mut Linear<IN, C>) {
        for (o, (row, bias)) in linear.weight.iter_mut().zip(&mut linear.bias).enumerate() {
            let [scale, mean, shift] = self.channel(o);
            for w in row.iter_mut() {
                *w *= scale;
            }
            *bias = (*bias - mean) * scale + shift;
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    use super::BatchNorm1d;
    use crate::layers::dense::linear::Linear;
    use crate::module::Layer;

    /// A Linear(5, 4) and a BatchNorm1d(4) with every parameter and statistic drawn at random.
    fn layers(rng: &mut StdRng) -> (Linear<5, 4>, BatchNorm1d<4>) {
        let linear = Linear::init(rng);
        let mut norm = BatchNorm1d::new(1e-3, 0.1);
        for c in 0..4 {
            norm.weight[c] = rng.random_range(-2.0..2.0);
            norm.bias[c] = rng.random_range(-1.0..1.0);
            norm.running_mean[c] = rng.random_range(-1.0..1.0);
            norm.running_var[c] = rng.random_range(0.01..3.0);
        }
        (linear, norm)
    }

    #[test]
    fn folded_parameters_follow_the_formula() {
        let mut rng = StdRng::seed_from_u64(3);
        let (linear, norm) = layers(&mut rng);
        let mut folded = linear.clone();
        norm.fold_into(&mut folded);
        for o in 0..4 {
            let var = f64::from(norm.running_var[o]) + f64::from(norm.eps);
            let scale = f64::from(norm.weight[o]) / var.sqrt();
            for i in 0..5 {
                let expected = f64::from(linear.weight[o][i]) * scale;
                let found = f64::from(folded.weight[o][i]);
                assert!((found - expected).abs() <= 1e-6 * (1.0 + expected.abs()));
            }
            let shift = f64::from(linear.bias[o]) - f64::from(norm.running_mean[o]);
            let expected = shift * scale + f64::from(norm.bias[o]);
            let found = f64::from(folded.bias[o]);
            assert!((found - expected).abs() <= 1e-6 * (1.0 + expected.abs()));
        }
    }

    #[test]
    fn folded_linear_computes_linear_then_batch_norm() {
        let mut rng = StdRng::seed_from_u64(4);
        let (linear, norm) = layers(&mut rng);
        let mut folded = linear.clone();
        norm.fold_into(&mut folded);
        for _ in 0..20 {
            let x: [f32; 5] = core::array::from_fn(|_| rng.random_range(-3.0..3.0));
            let expected = norm.forward(&linear.forward(&x));
            let found = folded.forward(&x);
            for (f, e) in found.iter().zip(expected) {
                assert!((f - e).abs() <= 1e-5 * (1.0 + e.abs()), "{f} vs {e}");
            }
        }
    }
}
