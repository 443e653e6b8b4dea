//! `nn.Dropout`: in training mode each value is zeroed with probability `p` and the others
//! scaled by `1/(1 − p)`; in evaluation mode the input passes through.

use core::fmt;

use rand::RngExt;

use crate::fmt::{PyFloat, python_float};
use crate::module::Layer;
use crate::module::parameterless_module;
use crate::tensor::Tensor;

/// `nn.Dropout(p)`: zeroes values at random in training mode, the identity in evaluation mode.
///
/// For samples of any shape. In training mode each value is kept with probability `1 − p`,
/// drawn from the [`Train`](crate::Train)'s generator one value after another (sample by
/// sample, row-major), and multiplied by `1/(1 − p)` as PyTorch computes it in f32; `p = 0`
/// and `p = 1` draw nothing, like PyTorch, and give the input and zeros. The masks cannot be
/// PyTorch's, whose generator differs; their law is the same.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    /// The probability of zeroing each value, from 0 to 1 (PyTorch's default 0.5). [`Dropout::new`]
    /// checks it; a value set here directly must stay in that range too.
    pub p: f32,
}

impl Dropout {
    /// Dropout with probability `p`.
    ///
    /// # Panics
    /// If `p` is not between 0 and 1 (PyTorch's `ValueError`); at compile time in a `const`.
    #[must_use]
    pub const fn new(p: f32) -> Self {
        assert!(
            p >= 0.0 && p <= 1.0,
            "dropout probability has to be between 0 and 1"
        );
        Dropout { p }
    }

    /// Sets the probability of [`Dropout::new`] on a zero-allocated layer.
    ///
    /// # Panics
    /// As [`Dropout::new`].
    #[doc(hidden)]
    pub const fn configure(&mut self, p: f32) {
        *self = Self::new(p);
    }

    /// The multiplier of a kept value: `1/(1 − p)` with `1 − p` rounded to f32, as PyTorch's
    /// `noise.div_(1 - p)` divides.
    fn scale(self) -> f32 {
        1.0 / (1.0 - python_float(self.p)) as f32
    }
}

impl Default for Dropout {
    /// PyTorch's default, `p=0.5`.
    fn default() -> Self {
        Self::new(0.5)
    }
}

impl<T: Tensor> Layer<T, T> for Dropout {
    #[inline]
    fn forward(&self, x: &T) -> T {
        *x
    }

    #[inline]
    fn backward_params(&self, _: &T, _: &T, _: &T, _: &mut Self) {}

    #[inline]
    fn backward_input(&self, _: &T, _: &T, dy: &T) -> T {
        *dy
    }

    #[inline]
    fn forward_batch(&self, x: &[T], y: &mut [T]) {
        for (y, x) in y.iter_mut().zip(x) {
            *y = *x;
        }
    }

    #[inline]
    fn backward_params_batch(&self, _: &[T], _: &[T], _: &[T], _: &mut Self) {}

    #[inline]
    fn backward_input_batch(&self, _: &[T], _: &[T], dy: &[T], dx: &mut [T]) {
        for (dx, dy) in dx.iter_mut().zip(dy) {
            *dx = *dy;
        }
    }

    /// One multiplier per value of the batch: `1/(1 − p)` where kept, 0 where dropped.
    const TRAIN_CACHE: usize = T::LEN;

    fn forward_train<R: rand::Rng + ?Sized>(
        &mut self,
        x: &[T],
        y: &mut [T],
        cache: &mut [f32],
        rng: &mut R,
    ) {
        let x = T::flat_batch(x);
        let mask = &mut cache[..x.len()];
        let p = self.p;
        if p <= 0.0 {
            mask.fill(1.0);
        } else if p >= 1.0 {
            mask.fill(0.0);
        } else {
            let scale = self.scale();
            for m in mask.iter_mut() {
                *m = if rng.random::<f32>() >= p { scale } else { 0.0 };
            }
        }
        for ((y, &x), &m) in T::flat_batch_mut(y).iter_mut().zip(x).zip(&*mask) {
            *y = x * m;
        }
    }

    /// `dx = dy · mask`, with the forward's mask.
    fn backward_train(
        &self,
        _: &[T],
        _: &[T],
        dy: &[T],
        cache: &mut [f32],
        _: Option<&mut Self>,
        dx: Option<&mut [T]>,
    ) {
        let Some(dx) = dx else { return };
        let values = T::flat_batch(dy).iter().zip(&*cache);
        for (dx, (&dy, &m)) in T::flat_batch_mut(dx).iter_mut().zip(values) {
            *dx = dy * m;
        }
    }
}

parameterless_module!(Dropout, Dropout::new(0.5));

// SAFETY: its one field is an `f32`, and all-zero bits are the `f32` `0.0` (a valid `p`).
unsafe impl crate::heap::Zeroable for Dropout {}

impl fmt::Display for Dropout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dropout(p={}, inplace=False)", PyFloat(self.p))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;
    use std::vec::Vec;

    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    use super::Dropout;
    use crate::module::Layer;

    type Row = [[f32; 4]; 3];

    fn batch(len: usize) -> Vec<Row> {
        (0..len)
            .map(|b| {
                core::array::from_fn(|c| core::array::from_fn(|i| (b + 3 * c + i) as f32 - 4.5))
            })
            .collect()
    }

    /// The training-mode output and mask of `layer` on `x`, drawing from `seed`.
    fn train(layer: &mut Dropout, x: &[Row], seed: u64) -> (Vec<Row>, Vec<f32>) {
        let mut y = std::vec![[[0.0; 4]; 3]; x.len()];
        let mut cache = std::vec![f32::NAN; <Dropout as Layer<Row, Row>>::train_cache_len(x.len())];
        layer.forward_train(x, &mut y, &mut cache, &mut StdRng::seed_from_u64(seed));
        (y, cache)
    }

    #[test]
    fn prints_like_pytorch() {
        assert_eq!(
            Dropout::new(0.5).to_string(),
            "Dropout(p=0.5, inplace=False)"
        );
        assert_eq!(
            Dropout::new(0.25).to_string(),
            "Dropout(p=0.25, inplace=False)"
        );
        assert_eq!(
            Dropout::new(0.0).to_string(),
            "Dropout(p=0.0, inplace=False)"
        );
        assert_eq!(Dropout::default(), Dropout::new(0.5));
        let mut layer = Dropout::new(0.0);
        layer.configure(0.1);
        assert_eq!(layer, Dropout::new(0.1));
    }

    #[test]
    #[should_panic(expected = "between 0 and 1")]
    fn rejects_probabilities_outside_0_1() {
        let _ = Dropout::new(1.5);
    }

    #[test]
    fn evaluation_is_the_identity() {
        let layer = Dropout::new(0.7);
        let x = batch(3);
        let dy = batch(5)[2..].to_vec();
        assert_eq!(layer.forward(&x[1]), x[1]);
        assert_eq!(layer.backward_input(&x[1], &x[1], &dy[1]), dy[1]);
        let mut y = std::vec![[[0.0; 4]; 3]; 3];
        layer.forward_batch(&x, &mut y);
        assert_eq!(y, x);
        let mut dx = y.clone();
        layer.backward_input_batch(&x, &y, &dy, &mut dx);
        assert_eq!(dx, dy);
    }

    #[test]
    fn keeps_a_fraction_1_minus_p_scaled() {
        // PyTorch divides by `1 - p` computed in double from the Python float, then rounded.
        for (p, python) in [(0.1_f32, 0.1_f64), (0.5, 0.5), (0.8, 0.8)] {
            let mut layer = Dropout::new(p);
            let x = batch(1000);
            let (y, mask) = train(&mut layer, &x, 7);
            let scale = 1.0 / (1.0 - python) as f32;
            assert!(mask.iter().all(|&m| m == 0.0 || m == scale));
            let kept = mask.iter().filter(|&&m| m != 0.0).count() as f64 / mask.len() as f64;
            // 12000 draws: the standard deviation of the fraction is at most 0.0046.
            assert!(
                (kept - (1.0 - f64::from(p))).abs() < 0.02,
                "p = {p}: kept {kept}"
            );
            let x = x.as_flattened().as_flattened();
            for ((&y, &x), &m) in y.as_flattened().as_flattened().iter().zip(x).zip(&mask) {
                assert_eq!(y, x * m);
            }
        }
    }

    #[test]
    fn the_seed_fixes_the_mask() {
        let mut layer = Dropout::new(0.5);
        let x = batch(20);
        assert_eq!(train(&mut layer, &x, 1), train(&mut layer, &x, 1));
        assert_ne!(train(&mut layer, &x, 1).1, train(&mut layer, &x, 2).1);
    }

    #[test]
    fn zero_and_one_draw_nothing() {
        let x = batch(4);
        let mut rng = StdRng::seed_from_u64(3);
        let expected: u64 = StdRng::seed_from_u64(3).random();
        let mut y = x.clone();
        let mut cache = std::vec![0.0; 48];
        Dropout::new(0.0).forward_train(&x, &mut y, &mut cache, &mut rng);
        assert_eq!(y, x);
        Dropout::new(1.0).forward_train(&x, &mut y, &mut cache, &mut rng);
        assert!(y.as_flattened().as_flattened().iter().all(|&v| v == 0.0));
        assert_eq!(rng.random::<u64>(), expected);
    }

    /// The backward uses the forward's mask; finite differences through the layer (linear once
    /// the mask is drawn) agree with it.
    #[test]
    fn backward_uses_the_forward_mask() {
        let mut layer = Dropout::new(0.3);
        let x = batch(6);
        let (y, mask) = train(&mut layer, &x, 11);
        let dy: Vec<Row> = batch(9)[3..]
            .iter()
            .map(|r| r.map(|c| c.map(|v| 0.1 * v + 0.05)))
            .collect();
        let mut dx = x.clone();
        layer.backward_train(&x, &y, &dy, &mut mask.clone(), None, Some(&mut dx));
        let loss = |x: &[Row], layer: &mut Dropout| -> f64 {
            let (y, _) = train(layer, x, 11);
            let y = y.as_flattened().as_flattened().iter();
            y.zip(dy.as_flattened().as_flattened())
                .map(|(&y, &d)| f64::from(y) * f64::from(d))
                .sum()
        };
        let h = 0.25;
        for i in 0..x.len() * 12 {
            let (mut up, mut down) = (x.clone(), x.clone());
            up.as_flattened_mut().as_flattened_mut()[i] += h;
            down.as_flattened_mut().as_flattened_mut()[i] -= h;
            let numeric = (loss(&up, &mut layer) - loss(&down, &mut layer)) / (2.0 * f64::from(h));
            let analytic = f64::from(dx.as_flattened().as_flattened()[i]);
            assert!(
                (numeric - analytic).abs() < 1e-5,
                "{i}: {numeric} vs {analytic}"
            );
        }
        let mut grads = Dropout::new(0.3);
        layer.backward_train(&x, &y, &dy, &mut mask.clone(), Some(&mut grads), None);
        assert_eq!(grads, Dropout::new(0.3));
    }
}
