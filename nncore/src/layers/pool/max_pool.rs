//! `nn.MaxPool1d` and `nn.MaxPool2d`.

use core::fmt;

use super::{IntOrPair, PlanePool, Window, planes, pool_layers};
use crate::module::parameterless_module;

/// The largest value of each window of each channel (PyTorch's `nn.MaxPool1d(kernel_size,
/// stride, padding)`, dilation 1, `ceil_mode=False`).
///
/// Takes `[[f32; L]; C]` to `[[f32; LO]; C]`, `LO = (L + 2 * padding - kernel_size) / stride + 1`.
/// The padding is `-inf`. The gradient goes to the position of the maximum; on a tie the first
/// in scan order wins, and a NaN wins over every number, as in PyTorch's CPU kernel.
/// `Module::zeros` gives the window of one (an identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool1d {
    /// The window's width.
    pub kernel_size: usize,
    /// The step between windows (PyTorch's `stride=None` is `kernel_size`).
    pub stride: usize,
    /// The `-inf` positions added on each side.
    pub padding: usize,
}

/// The largest value of each window of each channel (PyTorch's `nn.MaxPool2d(kernel_size,
/// stride, padding)`, dilation 1, `ceil_mode=False`).
///
/// Takes `[[[f32; W]; H]; C]` to `[[[f32; WO]; HO]; C]`, each output dimension as in
/// [`MaxPool1d`] with its own `[height, width]` setting. Windows are scanned row by row; ties
/// and NaNs are handled as in [`MaxPool1d`]. `Module::zeros` gives the 1×1 window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool2d {
    /// The window's `[height, width]`.
    pub kernel_size: [usize; 2],
    /// The steps between windows, `[down, across]`.
    pub stride: [usize; 2],
    /// The `-inf` rows and columns added on each side, `[rows, columns]`.
    pub padding: [usize; 2],
}

/// Panics (at compile time in a `const`) on settings PyTorch refuses.
const fn check(kernel_size: usize, stride: usize, padding: usize) {
    assert!(kernel_size > 0, "kernel_size must be greater than zero");
    assert!(stride > 0, "stride must be greater than zero");
    assert!(
        padding <= kernel_size / 2,
        "pad should be at most half of effective kernel size"
    );
}

impl MaxPool1d {
    /// A max pool with these settings (the `sequential!` macro passes `kernel_size` for
    /// PyTorch's `stride=None`).
    ///
    /// # Panics
    /// If `kernel_size` or `stride` is 0, or `padding` exceeds `kernel_size / 2` (PyTorch's
    /// errors).
    #[must_use]
    pub const fn new(kernel_size: usize, stride: usize, padding: usize) -> Self {
        check(kernel_size, stride, padding);
        MaxPool1d {
            kernel_size,
            stride,
            padding,
        }
    }

    /// Sets the settings [`MaxPool1d::new`] takes, on a layer allocated zeroed.
    #[doc(hidden)]
    pub const fn configure(&mut self, kernel_size: usize, stride: usize, padding: usize) {
        *self = Self::new(kernel_size, stride, padding);
    }
}

impl MaxPool2d {
    /// A max pool with these `[height, width]` settings (the `sequential!` macro passes
    /// `kernel_size` for PyTorch's `stride=None`, and `[k, k]` for an int `k`).
    ///
    /// # Panics
    /// As [`MaxPool1d::new`], in either dimension.
    #[must_use]
    pub const fn new(kernel_size: [usize; 2], stride: [usize; 2], padding: [usize; 2]) -> Self {
        check(kernel_size[0], stride[0], padding[0]);
        check(kernel_size[1], stride[1], padding[1]);
        MaxPool2d {
            kernel_size,
            stride,
            padding,
        }
    }

    /// Sets the settings [`MaxPool2d::new`] takes, on a layer allocated zeroed.
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

/// The plane methods of a max pool whose windows are cut by `axes()`.
macro_rules! max_plane {
    () => {
        fn forward_plane(&self, x: &[f32], input: [usize; 2], y: &mut [f32], output: [usize; 2]) {
            planes::max_forward(self.axes(), x, input, y, output);
        }

        fn backward_plane(
            &self,
            x: &[f32],
            input: [usize; 2],
            dy: &[f32],
            output: [usize; 2],
            dx: &mut [f32],
        ) {
            planes::max_backward(self.axes(), x, input, dy, output, dx);
        }
    };
}

impl PlanePool for MaxPool1d {
    type Axis = Window;

    fn axes(&self) -> [Window; 2] {
        let cols = Window {
            kernel: self.kernel_size,
            stride: self.stride,
            padding: self.padding,
        };
        [Window::UNIT, cols]
    }

    max_plane!();
}

impl PlanePool for MaxPool2d {
    type Axis = Window;

    fn axes(&self) -> [Window; 2] {
        core::array::from_fn(|d| Window {
            kernel: self.kernel_size[d],
            stride: self.stride[d],
            padding: self.padding[d],
        })
    }

    max_plane!();
}

pool_layers!(1d: MaxPool1d);
pool_layers!(2d: MaxPool2d);

parameterless_module!(MaxPool1d, MaxPool1d::new(1, 1, 0));
parameterless_module!(MaxPool2d, MaxPool2d::new([1, 1], [1, 1], [0, 0]));

// SAFETY: the fields are `usize`s, for which all-zero bits are 0.
unsafe impl crate::heap::Zeroable for MaxPool1d {}
// SAFETY: the fields are arrays of `usize`, for which all-zero bits are 0.
unsafe impl crate::heap::Zeroable for MaxPool2d {}

impl fmt::Display for MaxPool1d {
    /// `MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MaxPool1d(kernel_size={}, stride={}, padding={}, dilation=1, ceil_mode=False)",
            self.kernel_size, self.stride, self.padding
        )
    }
}

impl fmt::Display for MaxPool2d {
    /// PyTorch prints each setting as it was given; here a setting prints as one int when its
    /// two entries are equal (`kernel_size=2`), else as a pair (`kernel_size=(2, 3)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MaxPool2d(kernel_size={}, stride={}, padding={}, dilation=1, ceil_mode=False)",
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

    use super::{MaxPool1d, MaxPool2d};
    use crate::layers::testing::{check_batch, check_gradients, check_layer};
    use crate::module::Layer;

    /// One channel of 3×4, its maximum distinct in every window; the second channel is its
    /// negative.
    const IMAGE: [[[f32; 4]; 3]; 2] = [
        [
            [3.0, -1.0, 4.0, 1.0],
            [-5.0, 9.0, -2.0, 6.0],
            [5.0, -3.0, 5.5, 0.5],
        ],
        [
            [-3.0, 1.0, -4.0, -1.0],
            [5.0, -9.0, 2.0, -6.0],
            [-5.0, 3.0, -5.5, -0.5],
        ],
    ];
    const DY: [[[f32; 2]; 4]; 2] = [
        [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]],
        [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]],
    ];

    /// `nn.MaxPool1d(3, stride=2, padding=1)` on `[1, 5, 2, 8, 3, 4]`: windows `{1, 5}`,
    /// `{5, 2, 8}`, `{8, 3, 4}`; the two windows sharing the 8 both send it their gradient.
    #[test]
    fn values_1d() {
        let pool = MaxPool1d::new(3, 2, 1);
        let x = [
            [1.0, 5.0, 2.0, 8.0, 3.0, 4.0],
            [-1.0, -5.0, -2.0, -8.0, -3.0, -4.0],
        ];
        let y: [[f32; 3]; 2] = pool.forward(&x);
        assert_eq!(y, [[5.0, 8.0, 8.0], [-1.0, -2.0, -3.0]]);
        let dy = [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]];
        let dx = pool.backward_input(&x, &y, &dy);
        assert_eq!(
            dx,
            [
                [0.0, 1.0, 0.0, 5.0, 0.0, 0.0],
                [1.0, 0.0, 2.0, 0.0, 3.0, 0.0]
            ]
        );
        check_gradients(&pool, &x, &dy);
        let x2 = [
            [0.5, -2.0, 7.0, 1.0, 3.0, -4.0],
            [2.0, 1.0, 0.0, -1.0, 6.0, 5.0],
        ];
        check_batch(&pool, &[x, x2, x], &[dy, dy, [[0.5, -1.0, 2.0]; 2]]);
    }

    /// The padding is `-inf`, not 0: `nn.MaxPool1d(2, stride=1, padding=1)` on `[-3, -1, -2]`.
    #[test]
    fn padding_is_negative_infinity() {
        let pool = MaxPool1d::new(2, 1, 1);
        let y: [[f32; 4]; 1] = pool.forward(&[[-3.0, -1.0, -2.0]]);
        assert_eq!(y, [[-3.0, -1.0, -1.0, -2.0]]);
    }

    /// On a tie the gradient goes to the first maximum; a NaN is the maximum and propagates.
    #[test]
    fn ties_and_nans() {
        let pool = MaxPool1d::new(2, 1, 0);
        let x = [[2.0, 2.0, 1.0, 1.0]];
        let y: [[f32; 3]; 1] = pool.forward(&x);
        assert_eq!(y, [[2.0, 2.0, 1.0]]);
        let dx = pool.backward_input(&x, &y, &[[1.0, 10.0, 100.0]]);
        assert_eq!(dx, [[1.0, 10.0, 100.0, 0.0]]);

        let x = [[1.0, f32::NAN, 3.0]];
        let y: [[f32; 2]; 1] = pool.forward(&x);
        assert!(y[0][0].is_nan() && y[0][1].is_nan());
        let dx = pool.backward_input(&x, &y, &[[1.0, 10.0]]);
        assert_eq!(dx, [[0.0, 11.0, 0.0]]);
    }

    /// `nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1))` on a 3×4 image, worked out by hand:
    /// rows `{0}, {0, 1}, {1, 2}, {2}`, columns `{0, 1}, {1, 2, 3}`.
    #[test]
    fn values_2d() {
        let pool = MaxPool2d::new([2, 3], [1, 2], [1, 1]);
        let y: [[[f32; 2]; 4]; 2] = pool.forward(&IMAGE);
        assert_eq!(
            y,
            [
                [[3.0, 4.0], [9.0, 9.0], [9.0, 9.0], [5.0, 5.5]],
                [[1.0, 1.0], [5.0, 2.0], [5.0, 3.0], [3.0, 3.0]],
            ]
        );
        let dx = pool.backward_input(&IMAGE, &y, &DY);
        assert_eq!(
            dx,
            [
                [
                    [1.0, 0.0, 2.0, 0.0],
                    [0.0, 18.0, 0.0, 0.0],
                    [7.0, 0.0, 8.0, 0.0]
                ],
                [
                    [0.0, 3.0, 0.0, 0.0],
                    [8.0, 0.0, 4.0, 0.0],
                    [0.0, 21.0, 0.0, 0.0]
                ],
            ]
        );
        check_gradients(&pool, &IMAGE, &DY);
        let shifted = IMAGE.map(|c| c.map(|r| r.map(|v| 0.5 * v - 1.0)));
        check_batch(
            &pool,
            &[IMAGE, shifted, IMAGE],
            &[DY, DY, DY.map(|c| c.map(|r| r.map(|v| -v)))],
        );
    }

    /// `nn.MaxPool2d(2)` on a 4×4 image: four disjoint 2×2 windows.
    #[test]
    fn default_stride_2d() {
        let pool = MaxPool2d::new([2, 2], [2, 2], [0, 0]);
        let x = [[
            [1.0, 2.0, -1.0, -2.0],
            [3.0, 0.0, -3.0, -0.5],
            [7.0, 1.5, 2.5, 2.0],
            [6.0, 8.0, 1.0, 0.0],
        ]];
        let y: [[[f32; 2]; 2]; 1] = pool.forward(&x);
        assert_eq!(y, [[[3.0, -0.5], [8.0, 2.5]]]);
        check_gradients(&pool, &x, &[[[1.0, -2.0], [0.5, 3.0]]]);
    }

    /// The windows of the fast kernels (`kernel == stride`, no padding, 2 or 3 wide), on inputs
    /// they do not cover to the end, and the general kernel's beside them.
    #[test]
    fn tiled_windows() {
        let pool = MaxPool2d::new([2, 2], [2, 2], [0, 0]);
        check_layer::<[[[f32; 7]; 5]; 3], [[[f32; 3]; 2]; 3], _>(&pool);
        let pool = MaxPool2d::new([3, 3], [3, 3], [0, 0]);
        check_layer::<[[[f32; 7]; 8]; 2], [[[f32; 2]; 2]; 2], _>(&pool);
        let pool = MaxPool2d::new([1, 2], [1, 2], [0, 0]);
        check_layer::<[[[f32; 5]; 2]; 2], [[[f32; 2]; 2]; 2], _>(&pool);
        check_layer::<[[f32; 9]; 2], [[f32; 4]; 2], _>(&MaxPool1d::new(2, 2, 0));
        check_layer::<[[f32; 11]; 2], [[f32; 3]; 2], _>(&MaxPool1d::new(3, 3, 0));
        let pool = MaxPool2d::new([3, 3], [2, 2], [1, 1]);
        check_layer::<[[[f32; 7]; 6]; 2], [[[f32; 4]; 3]; 2], _>(&pool);
        check_layer::<[[f32; 9]; 2], [[f32; 8]; 2], _>(&MaxPool1d::new(2, 1, 0));
    }

    #[test]
    fn display() {
        assert_eq!(
            MaxPool1d::new(2, 2, 0).to_string(),
            "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
        );
        assert_eq!(
            MaxPool2d::new([2, 2], [2, 2], [0, 0]).to_string(),
            "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
        );
        assert_eq!(
            MaxPool2d::new([2, 3], [1, 2], [1, 1]).to_string(),
            "MaxPool2d(kernel_size=(2, 3), stride=(1, 2), padding=1, dilation=1, ceil_mode=False)"
        );
    }

    #[test]
    #[should_panic(expected = "pad should be at most half of effective kernel size")]
    fn too_much_padding() {
        let _ = MaxPool2d::new([3, 3], [1, 1], [1, 2]);
    }

    /// A zeroed layer is usable once configured, as a model allocated on the heap does.
    #[test]
    fn configure() {
        let mut pool = MaxPool1d {
            kernel_size: 0,
            stride: 0,
            padding: 0,
        };
        pool.configure(3, 2, 1);
        assert_eq!(pool, MaxPool1d::new(3, 2, 1));
        let mut pool = MaxPool2d::new([1, 1], [1, 1], [0, 0]);
        pool.configure([2, 3], [1, 2], [1, 1]);
        assert_eq!(pool, MaxPool2d::new([2, 3], [1, 2], [1, 1]));
    }
}
