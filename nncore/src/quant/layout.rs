//! Layouts: the int8 kernels keep TensorFlow Lite's NHWC, the float layers PyTorch's NCHW.
//!
//! The conversion happens once, on the parameters, when a float model is quantized: convolution
//! weights `[out][in][kh][kw]` become `[out][kh][kw][in]` ([`conv_weight_to_ohwi`]), depthwise
//! ones `[in · M][1][kh][kw]` become `[kh][kw][in · M]` ([`depthwise_weight_to_hwo`]), and the
//! first `Linear` after a `Flatten` gets its columns reordered from `(c, h, w)` to `(h, w, c)`
//! ([`flattened_columns_to_hwc`]). At run time only the input image is converted
//! ([`chw_to_hwc`]), or produced in NHWC to begin with.

use super::QuantLayer;

/// A CHW image (PyTorch's per-sample layout) as HWC (TensorFlow Lite's).
#[must_use]
pub fn chw_to_hwc<T: Copy, const C: usize, const H: usize, const W: usize>(
    x: &[[[T; W]; H]; C],
) -> [[[T; C]; W]; H] {
    core::array::from_fn(|h| core::array::from_fn(|w| core::array::from_fn(|c| x[c][h][w])))
}

/// An HWC image as CHW.
#[must_use]
pub fn hwc_to_chw<T: Copy, const C: usize, const H: usize, const W: usize>(
    x: &[[[T; C]; W]; H],
) -> [[[T; W]; H]; C] {
    core::array::from_fn(|c| core::array::from_fn(|h| core::array::from_fn(|w| x[h][w][c])))
}

/// A convolution weight `[out][in][kh][kw]` (PyTorch, OIHW) as `[out][kh][kw][in]` (TensorFlow
/// Lite, OHWI).
#[must_use]
pub fn conv_weight_to_ohwi<
    T: Copy,
    const OUT: usize,
    const IN: usize,
    const KH: usize,
    const KW: usize,
>(
    w: &[[[[T; KW]; KH]; IN]; OUT],
) -> [[[[T; IN]; KW]; KH]; OUT] {
    core::array::from_fn(|o| {
        core::array::from_fn(|kh| {
            core::array::from_fn(|kw| core::array::from_fn(|c| w[o][c][kh][kw]))
        })
    })
}

/// A depthwise weight as PyTorch stores it for `Conv2d(IN, OUT, groups=IN)`, `[out][1][kh][kw]`,
/// as TensorFlow Lite's `[kh][kw][out]` (its leading 1 dropped).
#[must_use]
pub fn depthwise_weight_to_hwo<T: Copy, const OUT: usize, const KH: usize, const KW: usize>(
    w: &[[[[T; KW]; KH]; 1]; OUT],
) -> [[[T; OUT]; KW]; KH] {
    core::array::from_fn(|kh| core::array::from_fn(|kw| core::array::from_fn(|o| w[o][0][kh][kw])))
}

/// The weight of a `Linear` that reads a flattened `C × H × W` image in PyTorch's order
/// `(c, h, w)`, reordered to read TensorFlow Lite's flattening `(h, w, c)`: column
/// `(h · W + w) · C + c` of the result is column `(c · H + h) · W + w` of `weight`.
///
/// # Panics
/// At compile time unless `IN = C · H · W`.
#[must_use]
pub fn flattened_columns_to_hwc<
    T: Copy,
    const C: usize,
    const H: usize,
    const W: usize,
    const IN: usize,
    const OUT: usize,
>(
    weight: &[[T; IN]; OUT],
) -> [[T; IN]; OUT] {
    const { assert!(IN == C * H * W, "the Linear must read all C × H × W values") };
    core::array::from_fn(|o| {
        core::array::from_fn(|i| {
            let (c, hw) = (i % C, i / C);
            weight[o][c * H * W + hw]
        })
    })
}

/// TensorFlow Lite's `RESHAPE` of an NHWC image to a vector, as Keras' `Flatten` makes it: the
/// values in HWC order, unchanged. (A `FULLY_CONNECTED` reading a 4-D tensor flattens it alike.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reshape;

impl Reshape {
    /// `x` flattened in HWC order.
    ///
    /// # Panics
    /// At compile time unless `N = H · W · C`.
    #[must_use]
    pub fn forward<const C: usize, const H: usize, const W: usize, const N: usize>(
        &self,
        x: &[[[i8; C]; W]; H],
    ) -> [i8; N] {
        const { assert!(N == H * W * C, "a reshape keeps the number of values") };
        let flat = x.as_flattened().as_flattened();
        core::array::from_fn(|i| flat[i])
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize>
    QuantLayer<[[[i8; C]; W]; H], [i8; N]> for Reshape
{
    #[inline]
    fn forward(&self, x: &[[[i8; C]; W]; H]) -> [i8; N] {
        Reshape::forward(self, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_layouts_round_trip() {
        let chw: [[[u8; 4]; 3]; 2] = core::array::from_fn(|c| {
            core::array::from_fn(|h| core::array::from_fn(|w| (c * 100 + h * 10 + w) as u8))
        });
        let hwc = chw_to_hwc(&chw);
        assert_eq!(hwc[2][3][1], 123);
        assert_eq!(hwc_to_chw(&hwc), chw);
    }

    #[test]
    fn weights_are_reordered() {
        let w: [[[[u16; 3]; 2]; 4]; 5] = core::array::from_fn(|o| {
            core::array::from_fn(|c| {
                core::array::from_fn(|kh| {
                    core::array::from_fn(|kw| (o * 1000 + c * 100 + kh * 10 + kw) as u16)
                })
            })
        });
        assert_eq!(conv_weight_to_ohwi(&w)[4][1][2][3], 4312);
        let d: [[[[u16; 3]; 2]; 1]; 5] = core::array::from_fn(|o| {
            [core::array::from_fn(|kh| {
                core::array::from_fn(|kw| (o * 100 + kh * 10 + kw) as u16)
            })]
        });
        assert_eq!(depthwise_weight_to_hwo(&d)[1][2][4], 412);
    }

    #[test]
    fn a_linear_after_flatten_reads_the_same_values() {
        // A 2 × 2 × 3 image: the dot product of a row with the CHW flattening equals that of the
        // reordered row with the HWC flattening.
        let chw: [[[i32; 3]; 2]; 2] = core::array::from_fn(|c| {
            core::array::from_fn(|h| core::array::from_fn(|w| (c * 7 + h * 3 + w) as i32 - 5))
        });
        let weight: [[i32; 12]; 2] =
            core::array::from_fn(|o| core::array::from_fn(|i| (i * i + o) as i32 % 11 - 4));
        let hwc = chw_to_hwc(&chw);
        let reordered = flattened_columns_to_hwc::<_, 2, 2, 3, 12, 2>(&weight);
        let (flat_chw, flat_hwc) = (
            chw.as_flattened().as_flattened(),
            hwc.as_flattened().as_flattened(),
        );
        for o in 0..2 {
            let a: i32 = weight[o].iter().zip(flat_chw).map(|(w, x)| w * x).sum();
            let b: i32 = reordered[o].iter().zip(flat_hwc).map(|(w, x)| w * x).sum();
            assert_eq!(a, b);
        }
    }

    #[test]
    fn reshape_keeps_hwc_order() {
        let x: [[[i8; 2]; 3]; 1] = [[[1, 2], [3, 4], [5, 6]]];
        let y: [i8; 6] = Reshape.forward(&x);
        assert_eq!(y, [1, 2, 3, 4, 5, 6]);
    }
}
