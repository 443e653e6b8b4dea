//! `nn.ZeroPad1d` and `nn.ZeroPad2d`.

use core::fmt;

use crate::module::{Layer, Module};
use crate::state::{Param, ParamMut};

/// Zeros added to both ends of each channel of a sequence: `LEFT` before, `RIGHT` after
/// (PyTorch's `nn.ZeroPad1d((left, right))`; `nn.ZeroPad1d(p)` is `(p, p)`).
///
/// Takes `[[f32; L]; C]` to `[[f32; L + LEFT + RIGHT]; C]`; the input gradient is the output
/// gradient without its padding.
///
/// ```
/// use nncore::{Layer, ZeroPad1d};
/// let y: [[f32; 5]; 1] = ZeroPad1d::<1, 2>.forward(&[[7.0, 8.0]]);
/// assert_eq!(y, [[0.0, 7.0, 8.0, 0.0, 0.0]]);
/// ```
///
/// An output of another length does not compile:
///
/// ```compile_fail
/// use nncore::{Layer, ZeroPad1d};
/// let y: [[f32; 4]; 1] = ZeroPad1d::<1, 2>.forward(&[[7.0, 8.0]]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZeroPad1d<const LEFT: usize, const RIGHT: usize>;

/// Zeros added around each channel of an image: `LEFT` and `RIGHT` columns, `TOP` and `BOTTOM`
/// rows (PyTorch's `nn.ZeroPad2d((left, right, top, bottom))`, in that order; `nn.ZeroPad2d(p)`
/// is `(p, p, p, p)`).
///
/// Takes `[[[f32; W]; H]; C]` to `[[[f32; W + LEFT + RIGHT]; H + TOP + BOTTOM]; C]`; the input
/// gradient is the output gradient without its padding.
///
/// ```
/// use nncore::{Layer, ZeroPad2d};
/// let y: [[[f32; 3]; 2]; 1] = ZeroPad2d::<1, 1, 0, 1>.forward(&[[[5.0]]]);
/// assert_eq!(y, [[[0.0, 5.0, 0.0], [0.0; 3]]]);
/// ```
///
/// An output of another size does not compile:
///
/// ```compile_fail
/// use nncore::{Layer, ZeroPad2d};
/// let y: [[[f32; 3]; 3]; 1] = ZeroPad2d::<1, 1, 0, 1>.forward(&[[[5.0]]]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZeroPad2d<const LEFT: usize, const RIGHT: usize, const TOP: usize, const BOTTOM: usize>;

impl<const LEFT: usize, const RIGHT: usize> ZeroPad1d<LEFT, RIGHT> {
    /// The padding layer.
    #[must_use]
    pub const fn new() -> Self {
        ZeroPad1d
    }

    /// `(left, right)`, PyTorch's `padding`.
    pub const PADDING: [usize; 2] = [LEFT, RIGHT];
}

impl<const LEFT: usize, const RIGHT: usize, const TOP: usize, const BOTTOM: usize>
    ZeroPad2d<LEFT, RIGHT, TOP, BOTTOM>
{
    /// The padding layer.
    #[must_use]
    pub const fn new() -> Self {
        ZeroPad2d
    }

    /// `(left, right, top, bottom)`, PyTorch's `padding`.
    pub const PADDING: [usize; 4] = [LEFT, RIGHT, TOP, BOTTOM];
}

/// `x` into the middle of `y`, `before` zeros ahead of it and zeros after.
#[inline(always)]
fn pad_row<const W: usize, const WO: usize>(x: &[f32; W], before: usize, y: &mut [f32; WO]) {
    let (head, rest) = y.split_at_mut(before.min(WO));
    head.fill(0.0);
    match rest.split_at_mut_checked(W) {
        Some((middle, tail)) => {
            middle.copy_from_slice(x);
            tail.fill(0.0);
        }
        None => rest.fill(0.0),
    }
}

/// The middle of `dy` that [`pad_row`] wrote `x` into, into `dx`.
#[inline(always)]
fn crop_row<const W: usize, const WO: usize>(dy: &[f32; WO], before: usize, dx: &mut [f32; W]) {
    if let Some(middle) = dy.get(before..before + W) {
        dx.copy_from_slice(middle);
    }
}

/// Writes `Layer`'s methods from the layer's `pad(x, y)` and `crop(dy, dx)`, which write all of
/// their output for one sample and check the sizes at compile time.
macro_rules! pad_methods {
    ($x:ty, $y:ty) => {
        #[inline]
        fn forward(&self, x: &$x) -> $y {
            let mut y = <$y as crate::tensor::Tensor>::ZERO;
            Self::pad(x, &mut y);
            y
        }

        #[inline]
        fn backward_params(&self, _: &$x, _: &$y, _: &$y, _: &mut Self) {}

        /// The output gradient without its padding.
        #[inline]
        fn backward_input(&self, _: &$x, _: &$y, dy: &$y) -> $x {
            let mut dx = <$x as crate::tensor::Tensor>::ZERO;
            Self::crop(dy, &mut dx);
            dx
        }

        #[inline]
        fn forward_batch(&self, x: &[$x], y: &mut [$y]) {
            // Compiled for the vector unit the kernels run with, whose wider registers copy a
            // short row in place of a call to `memcpy`; a large batch on rayon's threads.
            crate::kernels::per_sample(x, y, Self::pad);
        }

        #[inline]
        fn backward_params_batch(&self, _: &[$x], _: &[$y], _: &[$y], _: &mut Self) {}

        #[inline]
        fn backward_input_batch(&self, _: &[$x], _: &[$y], dy: &[$y], dx: &mut [$x]) {
            // As the forward.
            crate::kernels::per_sample(dy, dx, Self::crop);
        }
    };
}

impl<const LEFT: usize, const RIGHT: usize> ZeroPad1d<LEFT, RIGHT> {
    /// `x` padded into `y`.
    #[inline(always)]
    fn pad<const C: usize, const L: usize, const LO: usize>(
        x: &[[f32; L]; C],
        y: &mut [[f32; LO]; C],
    ) {
        const {
            assert!(
                LO == L + LEFT + RIGHT,
                "ZeroPad1d's output length is not L + LEFT + RIGHT"
            )
        };
        for (x, y) in x.iter().zip(y) {
            pad_row(x, LEFT, y);
        }
    }

    /// The middle of `dy` into `dx`.
    #[inline(always)]
    fn crop<const C: usize, const L: usize, const LO: usize>(
        dy: &[[f32; LO]; C],
        dx: &mut [[f32; L]; C],
    ) {
        const {
            assert!(
                LO == L + LEFT + RIGHT,
                "ZeroPad1d's output length is not L + LEFT + RIGHT"
            )
        };
        for (dy, dx) in dy.iter().zip(dx) {
            crop_row(dy, LEFT, dx);
        }
    }
}

impl<const LEFT: usize, const RIGHT: usize, const C: usize, const L: usize, const LO: usize>
    Layer<[[f32; L]; C], [[f32; LO]; C]> for ZeroPad1d<LEFT, RIGHT>
{
    pad_methods!([[f32; L]; C], [[f32; LO]; C]);
}

impl<const LEFT: usize, const RIGHT: usize, const TOP: usize, const BOTTOM: usize>
    ZeroPad2d<LEFT, RIGHT, TOP, BOTTOM>
{
    /// `x` padded into `y`.
    #[inline(always)]
    fn pad<const C: usize, const H: usize, const W: usize, const HO: usize, const WO: usize>(
        x: &[[[f32; W]; H]; C],
        y: &mut [[[f32; WO]; HO]; C],
    ) {
        const {
            assert!(
                HO == H + TOP + BOTTOM && WO == W + LEFT + RIGHT,
                "ZeroPad2d's output is not H + TOP + BOTTOM rows of W + LEFT + RIGHT"
            )
        };
        for (x, y) in x.iter().zip(y) {
            for (r, out) in y.iter_mut().enumerate() {
                match r.checked_sub(TOP).and_then(|r| x.get(r)) {
                    Some(row) => pad_row(row, LEFT, out),
                    None => out.fill(0.0),
                }
            }
        }
    }

    /// The middle of `dy` into `dx`.
    #[inline(always)]
    fn crop<const C: usize, const H: usize, const W: usize, const HO: usize, const WO: usize>(
        dy: &[[[f32; WO]; HO]; C],
        dx: &mut [[[f32; W]; H]; C],
    ) {
        const {
            assert!(
                HO == H + TOP + BOTTOM && WO == W + LEFT + RIGHT,
                "ZeroPad2d's output is not H + TOP + BOTTOM rows of W + LEFT + RIGHT"
            )
        };
        for (dy, dx) in dy.iter().zip(dx) {
            for (dy, dx) in dy.iter().skip(TOP).zip(dx) {
                crop_row(dy, LEFT, dx);
            }
        }
    }
}

impl<
    const LEFT: usize,
    const RIGHT: usize,
    const TOP: usize,
    const BOTTOM: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
> Layer<[[[f32; W]; H]; C], [[[f32; WO]; HO]; C]> for ZeroPad2d<LEFT, RIGHT, TOP, BOTTOM>
{
    pad_methods!([[[f32; W]; H]; C], [[[f32; WO]; HO]; C]);
}

/// `Module` for a padding layer: no parameters, and its settings are its type.
macro_rules! pad_module {
    ($ty:ident, $($pad:ident),*) => {
        impl<$(const $pad: usize),*> Module for $ty<$($pad),*> {
            const NUM_PARAMS: usize = 0;

            fn zeros() -> Self {
                $ty
            }

            fn parameters(&self) -> impl Iterator<Item = Param<'_>> {
                core::iter::empty()
            }

            fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>> {
                core::iter::empty()
            }
        }

        // SAFETY: a unit struct has no bytes, so all-zero bits (none) are its one value.
        unsafe impl<$(const $pad: usize),*> crate::heap::Zeroable for $ty<$($pad),*> {}
    };
}
pad_module!(ZeroPad1d, LEFT, RIGHT);
pad_module!(ZeroPad2d, LEFT, RIGHT, TOP, BOTTOM);

/// PyTorch's `extra_repr`, the padding tuple: `ZeroPad1d((1, 2))`.
impl<const LEFT: usize, const RIGHT: usize> fmt::Display for ZeroPad1d<LEFT, RIGHT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZeroPad1d(({LEFT}, {RIGHT}))")
    }
}

/// PyTorch's `extra_repr`, the padding tuple: `ZeroPad2d((1, 1, 4, 5))`.
impl<const LEFT: usize, const RIGHT: usize, const TOP: usize, const BOTTOM: usize> fmt::Display
    for ZeroPad2d<LEFT, RIGHT, TOP, BOTTOM>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZeroPad2d(({LEFT}, {RIGHT}, {TOP}, {BOTTOM}))")
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::{ZeroPad1d, ZeroPad2d};
    use crate::layers::testing::check_layer;
    use crate::module::{Layer, Module};

    /// `nn.ZeroPad2d((1, 2, 0, 1))(torch.tensor([[[1., 2.], [3., 4.]]]))`.
    #[test]
    fn pads_left_right_top_bottom_in_pytorch_order() {
        let x = [[[1.0, 2.0], [3.0, 4.0]]];
        let y: [[[f32; 5]; 3]; 1] = ZeroPad2d::<1, 2, 0, 1>.forward(&x);
        let want = [[
            [0.0, 1.0, 2.0, 0.0, 0.0],
            [0.0, 3.0, 4.0, 0.0, 0.0],
            [0.0; 5],
        ]];
        assert_eq!(y, want);
        // The input gradient is the output gradient's interior.
        let dy: [[[f32; 5]; 3]; 1] = core::array::from_fn(|_| {
            core::array::from_fn(|r| core::array::from_fn(|c| (r * 5 + c) as f32))
        });
        let dx = ZeroPad2d::<1, 2, 0, 1>.backward_input(&x, &y, &dy);
        assert_eq!(dx, [[[1.0, 2.0], [6.0, 7.0]]]);
        let y: [[[f32; 2]; 4]; 1] = ZeroPad2d::<0, 0, 2, 0>.forward(&x);
        assert_eq!(y, [[[0.0; 2], [0.0; 2], [1.0, 2.0], [3.0, 4.0]]]);
    }

    #[test]
    fn pads_sequences() {
        let x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let y: [[f32; 6]; 2] = ZeroPad1d::<2, 1>.forward(&x);
        assert_eq!(
            y,
            [
                [0.0, 0.0, 1.0, 2.0, 3.0, 0.0],
                [0.0, 0.0, 4.0, 5.0, 6.0, 0.0]
            ]
        );
        let dy = [
            [9.0, 8.0, 7.0, 6.0, 5.0, 4.0],
            [3.0, 2.0, 1.0, 0.0, -1.0, -2.0],
        ];
        assert_eq!(
            ZeroPad1d::<2, 1>.backward_input(&x, &y, &dy),
            [[7.0, 6.0, 5.0], [1.0, 0.0, -1.0]]
        );
        let same: [[f32; 3]; 2] = ZeroPad1d::<0, 0>.forward(&x);
        assert_eq!(same, x);
    }

    /// Finite differences, and the batch and training forms against the per-sample ones (whose
    /// outputs the batch forms overwrite whole).
    #[test]
    fn gradients_and_batches() {
        check_layer::<[[[f32; 3]; 2]; 2], [[[f32; 6]; 6]; 2], _>(&ZeroPad2d::<1, 2, 3, 1>);
        check_layer::<[[[f32; 4]; 3]; 1], [[[f32; 4]; 3]; 1], _>(&ZeroPad2d::<0, 0, 0, 0>);
        check_layer::<[[f32; 5]; 3], [[f32; 8]; 3], _>(&ZeroPad1d::<3, 0>);
        let x = [[[[1.0]]], [[[2.0]]]];
        let mut y = [[[[7.0f32; 3]; 3]; 1]; 2];
        ZeroPad2d::<1, 1, 1, 1>.forward_batch(&x, &mut y);
        assert_eq!(y[1], [[[0.0; 3], [0.0, 2.0, 0.0], [0.0; 3]]]);
        let mut dx = [[[[7.0f32; 1]; 1]; 1]; 2];
        ZeroPad2d::<1, 1, 1, 1>.backward_input_batch(&x, &y, &y, &mut dx);
        assert_eq!(dx, x);
    }

    #[test]
    fn prints_the_padding_tuple() {
        assert_eq!(
            ZeroPad2d::<1, 1, 4, 5>.to_string(),
            "ZeroPad2d((1, 1, 4, 5))"
        );
        assert_eq!(
            ZeroPad2d::<2, 2, 2, 2>::new().to_string(),
            "ZeroPad2d((2, 2, 2, 2))"
        );
        assert_eq!(ZeroPad1d::<1, 2>::new().to_string(), "ZeroPad1d((1, 2))");
        assert_eq!(ZeroPad2d::<1, 2, 3, 4>::PADDING, [1, 2, 3, 4]);
        assert_eq!(ZeroPad1d::<3, 0>::PADDING, [3, 0]);
        assert_eq!(<ZeroPad2d<1, 1, 1, 1> as Module>::NUM_PARAMS, 0);
    }
}
