//! `nn.AvgPool1d` and `nn.AvgPool2d`.

use core::fmt;

use super::{IntOrPair, PlanePool, Window, planes, pool_layers};
use crate::module::parameterless_module;

/// The mean of each window of each channel (PyTorch's `nn.AvgPool1d(kernel_size, stride,
/// padding)` with its defaults `ceil_mode=False`, `count_include_pad=True`, the only ones
/// supported).
///
/// Takes `[[f32; L]; C]` to `[[f32; LO]; C]`, `LO = (L + 2 * padding - kernel_size) / stride + 1`.
/// The padding is zeros, counted: every window's sum is divided by `kernel_size`.
/// `Module::zeros` gives the window of one (an identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPool1d {
    /// The window's width.
    pub kernel_size: usize,
    /// The step between windows (PyTorch's `stride=None` is `kernel_size`).
    pub stride: usize,
    /// The zeros added on each side.
    pub padding: usize,
}

/// The mean of each window of each channel (PyTorch's `nn.AvgPool2d(kernel_size, stride,
/// padding)` with `ceil_mode=False`, `count_include_pad=True`, `divisor_override=None`).
///
/// Takes `[[[f32; W]; H]; C]` to `[[[f32; WO]; HO]; C]`, each output dimension as in
/// [`AvgPool1d`] with its own `[height, width]` setting; every window's sum is divided by
/// `kernel_size[0] * kernel_size[1]`, padding included. `Module::zeros` gives the 1×1 window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPool2d {
    /// The window's `[height, width]`.
    pub kernel_size: [usize; 2],
    /// The steps between windows, `[down, across]`.
    pub stride: [usize; 2],
    /// The rows and columns of zeros added on each side, `[rows, columns]`.
    pub padding: [usize; 2],
}

/// Panics (at compile time in a `const`) on settings PyTorch refuses.
const fn check(kernel_size: usize, stride: usize, padding: usize) {
    assert!(kernel_size > 0, "kernel_size must be greater than zero");
    assert!(stride > 0, "stride must be greater than zero");
    assert!(
        padding <= kernel_size / 2,
        "pad should be at most half of kernel size"
    );
}

impl AvgPool1d {
    /// An average pool with these settings (the `sequential!` macro passes `kernel_size` for
    /// PyTorch's `stride=None`).
    ///
    /// # Panics
    /// If `kernel_size` or `stride` is 0, or `padding` exceeds `kernel_size / 2` (PyTorch's
    /// errors).
    #[must_use]
    pub const fn new(kernel_size: usize, stride: usize, padding: usize) -> Self {
        check(kernel_size, stride, padding);
        AvgPool1d {
            kernel_size,
            stride,
            padding,
        }
    }

    /// Sets the settings [`AvgPool1d::new`] takes, on a layer allocated zeroed.
    #[doc(hidden)]
    pub const fn configure(&mut self, kernel_size: usize, stride: usize, padding: usize) {
        *self = Self::new(kernel_size, stride, padding);
    }
}

impl AvgPool2d {
    /// An average pool with these `[height, width]` settings (the `sequential!` macro passes
    /// `kernel_size` for PyTorch's `stride=None`, and `[k, k]` for an int `k`).
    ///
    /// # Panics
    /// As [`AvgPool1d::new`], in either dimension.
    #[must_use]
    pub const fn new(kernel_size: [usize; 2], stride: [usize; 2], padding: [usize; 2]) -> Self {
        check(kernel_size[0], stride[0], padding[0]);
        check(kernel_size[1], stride[1], padding[1]);
        AvgPool2d {
            kernel_size,
            stride,
            padding,
        }
    }

    /// Sets the settings [`AvgPool2d::new`] takes, on a layer allocated zeroed.
    #[doc(hidden)]
    pub const fn configure(
        &mut self,
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
    ) {
        *self = Self::new(kernel_size, stride, padding);
    }
}

/// The plane methods of an average pool whose windows are cut by `axes()`, every sum divided
/// by `area()` (PyTorch's `sum / divide_factor`, padding counted).
macro_rules! avg_plane {
    () => {
        fn forward_plane(&self, x: &[f32], input: [usize; 2], y: &mut [f32], output: [usize; 2]) {
            planes::avg_pool_forward(self.axes(), x, input, y, output, self.area());
        }

        /// `dy` over the area to each input of the window.
        fn backward_plane(
            &self,
            _: &[f32],
            input: [usize; 2],
            dy: &[f32],
            output: [usize; 2],
            dx: &mut [f32],
        ) {
            planes::avg_pool_backward(self.axes(), input, dy, output, dx, self.area());
        }
    };
}

impl PlanePool for AvgPool1d {
    type Axis = Window;

    fn axes(&self) -> [Window; 2] {
        let cols = Window {
            kernel: self.kernel_size,
            stride: self.stride,
            padding: self.padding,
        };
        [Window::UNIT, cols]
    }

    avg_plane!();
}

impl AvgPool1d {
    /// The divisor of every window: `kernel_size`.
    fn area(&self) -> f32 {
        self.kernel_size as f32
    }
}

impl PlanePool for AvgPool2d {
    type Axis = Window;

    fn axes(&self) -> [Window; 2] {
        core::array::from_fn(|d| Window {
            kernel: self.kernel_size[d],
            stride: self.stride[d],
            padding: self.padding[d],
        })
    }

    avg_plane!();
}

impl AvgPool2d {
    /// The divisor of every window: the kernel's area.
    fn area(&self) -> f32 {
        (self.kernel_size[0] * self.kernel_size[1]) as f32
    }
}

pool_layers!(1d: AvgPool1d);
pool_layers!(2d: AvgPool2d);

parameterless_module!(AvgPool1d, AvgPool1d::new(1, 1, 0));
parameterless_module!(AvgPool2d, AvgPool2d::new([1, 1], [1, 1], [0, 0]));

// SAFETY: the fields are `usize`s, for which all-zero bits are 0.
unsafe impl crate::heap::Zeroable for AvgPool1d {}
// SAFETY: the fields are arrays of `usize`, for which all-zero bits are 0.
unsafe impl crate::heap::Zeroable for AvgPool2d {}

impl fmt::Display for AvgPool1d {
    /// `AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))`: PyTorch keeps 1-tuples.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AvgPool1d(kernel_size=({},), stride=({},), padding=({},))",
            self.kernel_size, self.stride, self.padding
        )
    }
}

impl fmt::Display for AvgPool2d {
    /// PyTorch prints each setting as it was given; here a setting prints as one int when its
    /// two entries are equal (`kernel_size=2`), else as a pair (`kernel_size=(2, 3)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AvgPool2d(kernel_size={}, stride={}, padding={})",
            IntOrPair(self.kernel_size),
            IntOrPair(self.stride),
            IntOrPair(self.padding)
        )
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::{AvgPool1d, AvgPool2d};
    use crate::layers::testing::{check_batch, check_gradients, check_layer};
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

    /// PyTorch's docstring example, `nn.AvgPool1d(3, stride=2)` on `[1, …, 7]`, and with
    /// `padding=1`: the end windows `{1, 2}` and `{6, 7}` are still divided by 3.
    #[test]
    fn values_1d() {
        let x = [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]];
        let y: [[f32; 3]; 1] = AvgPool1d::new(3, 2, 0).forward(&x);
        assert_eq!(y, [[2.0, 4.0, 6.0]]);

        let pool = AvgPool1d::new(3, 2, 1);
        let y: [[f32; 4]; 1] = pool.forward(&x);
        assert_eq!(y, [[1.0, 3.0, 5.0, 13.0 / 3.0]]);
        let dy = [[3.0, 6.0, 9.0, 12.0]];
        let dx = pool.backward_input(&x, &y, &dy);
        assert_eq!(dx, [[1.0, 3.0, 2.0, 5.0, 3.0, 7.0, 4.0]]);
        check_gradients(&pool, &x, &dy);
        let x2 = [[0.5, -1.0, 2.5, 3.0, -4.0, 0.0, 1.0]];
        check_batch(&pool, &[x, x2, x], &[dy, [[1.0, -1.0, 0.5, 2.0]], dy]);
    }

    /// `nn.AvgPool2d((2, 3), stride=(1, 2), padding=(1, 1))` on a 3×4 image, worked out by
    /// hand: rows `{0}, {0, 1}, {1, 2}, {2}`, columns `{0, 1}, {1, 2, 3}`, every sum over 6.
    #[test]
    fn values_2d() {
        let pool = AvgPool2d::new([2, 3], [1, 2], [1, 1]);
        let y: [[[f32; 2]; 4]; 2] = pool.forward(&IMAGE);
        let sums = [
            [[2.0, 4.0], [6.0, 17.0], [6.0, 16.0], [2.0, 3.0]],
            [[2.5, 3.5], [4.5, 6.5], [-4.0, 6.0], [-6.0, 3.0]],
        ];
        assert_eq!(y, sums.map(|c| c.map(|r| r.map(|s| s / 6.0))));
        // Each output sends a sixth of its gradient to every input of its window.
        let dy = [[[6.0, 12.0], [18.0, 24.0], [30.0, 36.0], [42.0, 48.0]]; 2];
        let dx = pool.backward_input(&IMAGE, &y, &dy);
        let expected = [
            [4.0, 10.0, 6.0, 6.0],
            [8.0, 18.0, 10.0, 10.0],
            [12.0, 26.0, 14.0, 14.0],
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

    /// The windows of the fast kernels (`kernel == stride`, no padding, 2 or 3 wide), on inputs
    /// they do not cover to the end, and the general kernel's beside them.
    #[test]
    fn tiled_windows() {
        let pool = AvgPool2d::new([2, 2], [2, 2], [0, 0]);
        check_layer::<[[[f32; 7]; 5]; 3], [[[f32; 3]; 2]; 3], _>(&pool);
        let pool = AvgPool2d::new([3, 3], [3, 3], [0, 0]);
        check_layer::<[[[f32; 7]; 8]; 2], [[[f32; 2]; 2]; 2], _>(&pool);
        check_layer::<[[f32; 9]; 2], [[f32; 4]; 2], _>(&AvgPool1d::new(2, 2, 0));
        check_layer::<[[f32; 11]; 2], [[f32; 3]; 2], _>(&AvgPool1d::new(3, 3, 0));
        let pool = AvgPool2d::new([3, 3], [2, 2], [1, 1]);
        check_layer::<[[[f32; 7]; 6]; 2], [[[f32; 4]; 3]; 2], _>(&pool);
        check_layer::<[[f32; 9]; 2], [[f32; 8]; 2], _>(&AvgPool1d::new(2, 1, 0));
    }

    #[test]
    fn display() {
        assert_eq!(
            AvgPool1d::new(2, 2, 0).to_string(),
            "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"
        );
        assert_eq!(
            AvgPool2d::new([2, 2], [2, 2], [0, 0]).to_string(),
            "AvgPool2d(kernel_size=2, stride=2, padding=0)"
        );
        assert_eq!(
            AvgPool2d::new([2, 3], [1, 2], [1, 1]).to_string(),
            "AvgPool2d(kernel_size=(2, 3), stride=(1, 2), padding=1)"
        );
    }

    #[test]
    #[should_panic(expected = "pad should be at most half of kernel size")]
    fn too_much_padding() {
        let _ = AvgPool1d::new(2, 2, 2);
    }

    /// A zeroed layer is usable once configured, as a model allocated on the heap does.
    #[test]
    fn configure() {
        let mut pool = AvgPool2d {
            kernel_size: [0; 2],
            stride: [0; 2],
            padding: [0; 2],
        };
        pool.configure([2, 3], [1, 2], [1, 1]);
        assert_eq!(pool, AvgPool2d::new([2, 3], [1, 2], [1, 1]));
        let mut pool = AvgPool1d::new(1, 1, 0);
        pool.configure(3, 2, 1);
        assert_eq!(pool, AvgPool1d::new(3, 2, 1));
    }
}
