//! `nn.Flatten`.

use core::fmt;

use crate::module::Layer;
use crate::module::parameterless_module;
use crate::tensor::Tensor;

/// A sample's values in one row, in row-major order (PyTorch's `nn.Flatten()`, `start_dim=1`,
/// `end_dim=-1`: every dimension after the batch's).
///
/// Takes any sample `T` to `[f32; N]` with `N = T::LEN` (a compile-time error otherwise):
/// `[[[f32; W]; H]; C]` gives `[f32; C * H * W]`, channel by channel, row by row, as PyTorch
/// lays it out, so a `Linear` after it takes the weights trained in PyTorch unchanged.
///
/// ```
/// use nncore::{Flatten, Layer};
/// let image = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]];
/// let y: [f32; 8] = Flatten.forward(&image);
/// assert_eq!(y, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
/// ```
///
/// An output of another length does not compile:
///
/// ```compile_fail
/// use nncore::{Flatten, Layer};
/// let y: [f32; 7] = Flatten.forward(&[[0.0f32; 4]; 2]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flatten;

impl Flatten {
    /// The flattening layer (PyTorch's defaults, the only form supported).
    #[must_use]
    pub const fn new() -> Self {
        Flatten
    }
}

impl<T: Tensor, const N: usize> Layer<T, [f32; N]> for Flatten {
    #[inline]
    fn forward(&self, x: &T) -> [f32; N] {
        const {
            assert!(
                T::LEN == N,
                "Flatten's output length is not its input's size"
            )
        };
        let mut y = [0.0; N];
        y.copy_from_slice(x.flat());
        y
    }

    #[inline]
    fn backward_params(&self, _: &T, _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// The output gradient in the input's shape.
    #[inline]
    fn backward_input(&self, _: &T, _: &[f32; N], dy: &[f32; N]) -> T {
        const {
            assert!(
                T::LEN == N,
                "Flatten's output length is not its input's size"
            )
        };
        let mut dx = T::ZERO;
        dx.flat_mut().copy_from_slice(dy);
        dx
    }

    #[inline]
    fn forward_batch(&self, x: &[T], y: &mut [[f32; N]]) {
        const {
            assert!(
                T::LEN == N,
                "Flatten's output length is not its input's size"
            )
        };
        let y = y.as_flattened_mut();
        let n = y.len();
        y.copy_from_slice(&T::flat_batch(x)[..n]);
    }

    #[inline]
    fn backward_params_batch(&self, _: &[T], _: &[[f32; N]], _: &[[f32; N]], _: &mut Self) {}

    #[inline]
    fn backward_input_batch(&self, _: &[T], _: &[[f32; N]], dy: &[[f32; N]], dx: &mut [T]) {
        const {
            assert!(
                T::LEN == N,
                "Flatten's output length is not its input's size"
            )
        };
        let dx = T::flat_batch_mut(dx);
        let n = dx.len();
        dx.copy_from_slice(&dy.as_flattened()[..n]);
    }
}

parameterless_module!(Flatten, Flatten);

// SAFETY: a unit struct has no bytes, so all-zero bits (none) are its one value.
unsafe impl crate::heap::Zeroable for Flatten {}

impl fmt::Display for Flatten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Flatten(start_dim=1, end_dim=-1)")
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::Flatten;
    use crate::layers::testing::{check_batch, check_gradients};
    use crate::module::Layer;

    const IMAGE: [[[f32; 3]; 2]; 2] = [
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        [[7.0, 8.0, 9.0], [10.0, 11.0, 12.0]],
    ];

    /// `torch.arange(1., 13.).reshape(1, 2, 2, 3)` flattens to `arange(1., 13.)`.
    #[test]
    fn row_major() {
        let y: [f32; 12] = Flatten.forward(&IMAGE);
        assert_eq!(y, core::array::from_fn(|i| (i + 1) as f32));
        let dx = Flatten.backward_input(&IMAGE, &y, &y);
        assert_eq!(dx, IMAGE);
        let y: [f32; 6] = Flatten.forward(&IMAGE[1]);
        assert_eq!(y, [7.0, 8.0, 9.0, 10.0, 11.0, 12.0]);
    }

    #[test]
    fn gradients_and_batches() {
        let dy: [f32; 12] = core::array::from_fn(|i| i as f32 * 0.5 - 2.0);
        check_gradients::<_, [f32; 12], _>(&Flatten, &IMAGE, &dy);
        let other = IMAGE.map(|c| c.map(|r| r.map(|v| -v)));
        check_batch(
            &Flatten,
            &[IMAGE, other, IMAGE],
            &[dy, dy.map(|v| 2.0 * v), dy],
        );
        let rows = [[1.0, 2.0], [3.0, 4.0]];
        check_batch::<_, [f32; 4], _>(&Flatten, &[rows, rows, rows], &[[0.5; 4]; 3]);
    }

    #[test]
    fn display() {
        assert_eq!(Flatten.to_string(), "Flatten(start_dim=1, end_dim=-1)");
        assert_eq!(Flatten::new(), Flatten);
    }
}
