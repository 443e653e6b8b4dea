//! `nn.AdaptiveAvgPool1d` and `nn.AdaptiveAvgPool2d`.

use core::fmt;

use super::{Adaptive, IntOrPair, PlanePool, planes, pool_layers};
use crate::module::parameterless_module;

/// The mean of `output_size` bins of each channel, whatever its length (PyTorch's
/// `nn.AdaptiveAvgPool1d(output_size)`); `output_size = 1` is global average pooling.
///
/// Takes `[[f32; L]; C]` to `[[f32; LO]; C]` with `LO = output_size`. Output `i` is the mean of
/// inputs `floor(i * L / LO) .. ceil((i + 1) * L / LO)`, so bins overlap when `LO` does not
/// divide `L`. `Module::zeros` gives `output_size = 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdaptiveAvgPool1d {
    /// The output length.
    pub output_size: usize,
}

/// The mean of `output_size[0] × output_size[1]` bins of each channel, whatever its size
/// (PyTorch's `nn.AdaptiveAvgPool2d(output_size)`); `[1, 1]` is global average pooling.
///
/// Takes `[[[f32; W]; H]; C]` to `[[[f32; WO]; HO]; C]` with `[HO, WO] = output_size`, each
/// dimension binned as in [`AdaptiveAvgPool1d`]. A bin's sum is divided by its height, then by
/// its width, as PyTorch's CPU kernel does; for `[1, 1]` PyTorch takes the mean instead, and so
/// is the sum divided once by `H * W`. `Module::zeros` gives `[1, 1]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdaptiveAvgPool2d {
    /// The output's `[height, width]`.
    pub output_size: [usize; 2],
}

impl AdaptiveAvgPool1d {
    /// An adaptive average pool to `output_size` values per channel.
    #[must_use]
    pub const fn new(output_size: usize) -> Self {
        AdaptiveAvgPool1d { output_size }
    }

    /// Sets the setting [`AdaptiveAvgPool1d::new`] takes, on a layer allocated zeroed.
    #[doc(hidden)]
    pub const fn configure(&mut self, output_size: usize) {
        *self = Self::new(output_size);
    }
}

impl AdaptiveAvgPool2d {
    /// An adaptive average pool to `output_size = [height, width]` per channel (the
    /// `sequential!` macro passes `[s, s]` for an int `s`).
    #[must_use]
    pub const fn new(output_size: [usize; 2]) -> Self {
        AdaptiveAvgPool2d { output_size }
    }

    /// Sets the setting [`AdaptiveAvgPool2d::new`] takes, on a layer allocated zeroed.
    #[doc(hidden)]
    pub const fn configure(&mut self, output_size: [usize; 2]) {
        *self = Self::new(output_size);
    }
}

impl PlanePool for AdaptiveAvgPool1d {
    type Axis = Adaptive;

    fn axes(&self) -> [Adaptive; 2] {
        [Adaptive(1), Adaptive(self.output_size)]
    }

    /// PyTorch's `sum / kh / kw` with `kh = 1`: the sum over the bin's width.
    fn forward_plane(&self, x: &[f32], input: [usize; 2], y: &mut [f32], output: [usize; 2]) {
        let divide = |sum, _, kw: usize| sum / kw as f32;
        planes::avg_forward(self.axes(), x, input, y, output, divide);
    }

    fn backward_plane(
        &self,
        _: &[f32],
        input: [usize; 2],
        dy: &[f32],
        output: [usize; 2],
        dx: &mut [f32],
    ) {
        let divide = |dy, _, kw: usize| dy / kw as f32;
        planes::avg_backward(self.axes(), input, dy, output, dx, divide);
    }
}

impl AdaptiveAvgPool2d {
    /// `value / kh / kw` for a bin `kh × kw`, or the mean's `value / (kh * kw)` for a global
    /// pool; forward and backward both divide so.
    fn divide(&self, value: f32, kh: usize, kw: usize) -> f32 {
        let (kh, kw) = (kh as f32, kw as f32);
        if self.output_size == [1, 1] {
            value / (kh * kw)
        } else {
            value / kh / kw
        }
    }
}

impl PlanePool for AdaptiveAvgPool2d {
    type Axis = Adaptive;

    fn axes(&self) -> [Adaptive; 2] {
        [Adaptive(self.output_size[0]), Adaptive(self.output_size[1])]
    }

    fn forward_plane(&self, x: &[f32], input: [usize; 2], y: &mut [f32], output: [usize; 2]) {
        let divide = |sum, kh, kw| self.divide(sum, kh, kw);
        planes::avg_forward(self.axes(), x, input, y, output, divide);
    }

    fn backward_plane(
        &self,
        _: &[f32],
        input: [usize; 2],
        dy: &[f32],
        output: [usize; 2],
        dx: &mut [f32],
    ) {
        let divide = |dy, kh, kw| self.divide(dy, kh, kw);
        planes::avg_backward(self.axes(), input, dy, output, dx, divide);
    }
}

pool_layers!(1d: AdaptiveAvgPool1d);
pool_layers!(2d: AdaptiveAvgPool2d);

parameterless_module!(AdaptiveAvgPool1d, AdaptiveAvgPool1d::new(1));
parameterless_module!(AdaptiveAvgPool2d, AdaptiveAvgPool2d::new([1, 1]));

// SAFETY: the field is a `usize`, for which all-zero bits are 0.
unsafe impl crate::heap::Zeroable for AdaptiveAvgPool1d {}
// SAFETY: the field is an array of `usize`, for which all-zero bits are 0.
unsafe impl crate::heap::Zeroable for AdaptiveAvgPool2d {}

impl fmt::Display for AdaptiveAvgPool1d {
    /// `AdaptiveAvgPool1d(output_size=1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AdaptiveAvgPool1d(output_size={})", self.output_size)
    }
}

impl fmt::Display for AdaptiveAvgPool2d {
    /// PyTorch prints `output_size` as it was given; here it prints as one int when both
    /// entries are equal (`output_size=1`), else as a pair (`output_size=(5, 7)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AdaptiveAvgPool2d(output_size={})",
            IntOrPair(self.output_size)
        )
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::{AdaptiveAvgPool1d, AdaptiveAvgPool2d};
    use crate::layers::testing::{check_batch, check_gradients};
    use crate::module::Layer;

    /// Two channels of 3×4.
    const IMAGE: [[[f32; 4]; 3]; 2] = [
        [
            [3.0, -1.0, 4.0, 1.0],
            [-5.0, 9.0, -2.0, 6.0],
            [5.0, -3.0, 5.5, 0.5],
        ],
        [
            [0.5, 2.0, -1.5, 3.0],
            [1.0, 1.0, 4.0, -2.0],
            [0.0, -6.0, 2.0, 7.0],
        ],
    ];

    /// Five inputs into three bins: `{0, 1}`, `{1, 2, 3}`, `{3, 4}`; and into one.
    #[test]
    fn values_1d() {
        let pool = AdaptiveAvgPool1d::new(3);
        let x = [[1.0, 4.0, 2.0, 8.0, 5.0], [0.0, 3.0, -3.0, 6.0, 1.0]];
        let y: [[f32; 3]; 2] = pool.forward(&x);
        assert_eq!(y, [[2.5, 14.0 / 3.0, 6.5], [1.5, 2.0, 3.5]]);
        let dy = [[2.0, 3.0, 4.0], [4.0, 6.0, -2.0]];
        let dx = pool.backward_input(&x, &y, &dy);
        assert_eq!(dx, [[1.0, 2.0, 1.0, 3.0, 2.0], [2.0, 4.0, 2.0, 1.0, -1.0]]);
        check_gradients(&pool, &x, &dy);
        let x2 = [[0.5, -1.0, 2.5, 3.0, -4.0], [7.0, 1.0, 0.0, 2.0, 1.5]];
        check_batch(&pool, &[x, x2, x], &[dy, dy, [[1.0, -1.0, 0.5]; 2]]);

        let global = AdaptiveAvgPool1d::new(1);
        let y: [[f32; 1]; 2] = global.forward(&x);
        assert_eq!(y, [[4.0], [1.4]]);
        check_gradients(&global, &x, &[[1.0], [-2.0]]);
    }

    /// 3×4 into 2×3: rows `{0, 1}, {1, 2}`, columns `{0, 1}, {1, 2}, {2, 3}`, each bin 2×2.
    #[test]
    fn values_2d() {
        let pool = AdaptiveAvgPool2d::new([2, 3]);
        let y: [[[f32; 3]; 2]; 2] = pool.forward(&IMAGE);
        let sums = [
            [[6.0, 10.0, 9.0], [6.0, 9.5, 10.0]],
            [[4.5, 5.5, 3.5], [-4.0, 1.0, 11.0]],
        ];
        assert_eq!(y, sums.map(|c| c.map(|r| r.map(|s| s / 4.0))));
        let dy = [[[4.0, 8.0, 12.0], [-4.0, 0.0, 16.0]]; 2];
        let dx = pool.backward_input(&IMAGE, &y, &dy);
        let expected = [
            [1.0, 3.0, 5.0, 3.0],
            [0.0, 2.0, 9.0, 7.0],
            [-1.0, -1.0, 4.0, 4.0],
        ];
        assert_eq!(dx, [expected; 2]);
        check_gradients(&pool, &IMAGE, &dy);
        let other = IMAGE.map(|c| c.map(|r| r.map(|v| 2.0 - v)));
        check_batch(
            &pool,
            &[IMAGE, other, IMAGE],
            &[dy, dy.map(|c| c.map(|r| r.map(|v| -v))), dy],
        );
    }

    /// Global average pooling: the mean of each channel's twelve values.
    #[test]
    fn global_2d() {
        let pool = AdaptiveAvgPool2d::new([1, 1]);
        let y: [[[f32; 1]; 1]; 2] = pool.forward(&IMAGE);
        assert_eq!(y, [[[23.0 / 12.0]], [[11.0 / 12.0]]]);
        let dy = [[[12.0]], [[-6.0]]];
        let dx = pool.backward_input(&IMAGE, &y, &dy);
        assert_eq!(dx, [[[1.0; 4]; 3], [[-0.5; 4]; 3]]);
        check_gradients(&pool, &IMAGE, &dy);
    }

    #[test]
    fn display() {
        assert_eq!(
            AdaptiveAvgPool1d::new(1).to_string(),
            "AdaptiveAvgPool1d(output_size=1)"
        );
        assert_eq!(
            AdaptiveAvgPool2d::new([1, 1]).to_string(),
            "AdaptiveAvgPool2d(output_size=1)"
        );
        assert_eq!(
            AdaptiveAvgPool2d::new([5, 7]).to_string(),
            "AdaptiveAvgPool2d(output_size=(5, 7))"
        );
    }

    /// A zeroed layer is usable once configured, as a model allocated on the heap does.
    #[test]
    fn configure() {
        let mut pool = AdaptiveAvgPool2d {
            output_size: [0; 2],
        };
        pool.configure([2, 3]);
        assert_eq!(pool, AdaptiveAvgPool2d::new([2, 3]));
        let mut pool = AdaptiveAvgPool1d { output_size: 0 };
        pool.configure(3);
        assert_eq!(pool, AdaptiveAvgPool1d::new(3));
    }
}
