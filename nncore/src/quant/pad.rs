//! `PAD` on int8 (`reference_ops::Pad`): the input surrounded by its zero point, which stands
//! for real 0, so the output keeps the input's scale and zero point.

use super::QuantLayer;
use super::params::QuantParams;

/// PyTorch's `ZeroPad1d` and `ZeroPad2d` in int8: `LEFT` and `RIGHT` columns, `TOP` and `BOTTOM`
/// rows of the zero point around each channel. A sequence (`[[i8; C]; L]`, length × channels) is
/// one row: it takes no `TOP` or `BOTTOM`. Sizes that do not add up do not compile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pad<const LEFT: usize, const RIGHT: usize, const TOP: usize, const BOTTOM: usize> {
    /// The quantization of the input and the output.
    pub quant: QuantParams,
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
> QuantLayer<[[[i8; C]; W]; H], [[[i8; C]; WO]; HO]> for Pad<LEFT, RIGHT, TOP, BOTTOM>
{
    #[inline]
    fn forward(&self, x: &[[[i8; C]; W]; H]) -> [[[i8; C]; WO]; HO] {
        let mut y = [[[0; C]; WO]; HO];
        self.forward_into(x, &mut y);
        y
    }

    #[inline]
    fn forward_into(&self, x: &[[[i8; C]; W]; H], y: &mut [[[i8; C]; WO]; HO]) {
        const {
            assert!(
                HO == H + TOP + BOTTOM && WO == W + LEFT + RIGHT,
                "a padding's output is not H + TOP + BOTTOM rows of W + LEFT + RIGHT"
            )
        };
        // The padding's rows and columns filled, each input row copied whole: one pass over
        // `y`, no image-sized temporary.
        let zero = self.quant.zero_point;
        let (top, rest) = y.split_at_mut(TOP.min(HO));
        top.as_flattened_mut().as_flattened_mut().fill(zero);
        let (middle, bottom) = rest.split_at_mut(H.min(rest.len()));
        bottom.as_flattened_mut().as_flattened_mut().fill(zero);
        for (x, y) in x.iter().zip(middle) {
            let (left, rest) = y.split_at_mut(LEFT.min(WO));
            left.as_flattened_mut().fill(zero);
            let (inside, right) = rest.split_at_mut(W.min(rest.len()));
            inside.as_flattened_mut().copy_from_slice(x.as_flattened());
            right.as_flattened_mut().fill(zero);
        }
    }
}

impl<
    const LEFT: usize,
    const RIGHT: usize,
    const TOP: usize,
    const BOTTOM: usize,
    const C: usize,
    const L: usize,
    const LO: usize,
> QuantLayer<[[i8; C]; L], [[i8; C]; LO]> for Pad<LEFT, RIGHT, TOP, BOTTOM>
{
    #[inline]
    fn forward(&self, x: &[[i8; C]; L]) -> [[i8; C]; LO] {
        let mut y = [[0; C]; LO];
        self.forward_into(x, &mut y);
        y
    }

    #[inline]
    fn forward_into(&self, x: &[[i8; C]; L], y: &mut [[i8; C]; LO]) {
        const {
            assert!(
                TOP == 0 && BOTTOM == 0 && LO == L + LEFT + RIGHT,
                "a sequence's padding has no rows, and its output is L + LEFT + RIGHT long"
            )
        };
        let zero = self.quant.zero_point;
        let (left, rest) = y.split_at_mut(LEFT.min(LO));
        left.as_flattened_mut().fill(zero);
        let (inside, right) = rest.split_at_mut(L.min(rest.len()));
        inside.as_flattened_mut().copy_from_slice(x.as_flattened());
        right.as_flattened_mut().fill(zero);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::shape::zero_pad::{ZeroPad1d, ZeroPad2d};
    use crate::module::Layer;
    use crate::quant::Int8Sample;

    const P: QuantParams = QuantParams::new(0.05, -7);

    /// The float padding, quantized, is the int8 one: real 0 is exactly the zero point.
    #[test]
    fn pads_with_the_zero_point_as_the_float_layer_pads_with_zero() {
        let x: [[[f32; 3]; 2]; 2] = core::array::from_fn(|c| {
            core::array::from_fn(|h| core::array::from_fn(|w| (c * 6 + h * 3 + w) as f32 * 0.1))
        });
        let y: [[[f32; 6]; 5]; 2] = ZeroPad2d::<1, 2, 0, 3>.forward(&x);
        let q = <[[[i8; 2]; 3]; 2]>::quantize(&x, P);
        let padded: [[[i8; 2]; 6]; 5] = Pad::<1, 2, 0, 3> { quant: P }.forward(&q);
        assert_eq!(padded, <[[[i8; 2]; 6]; 5]>::quantize(&y, P));
        assert_eq!(padded[4][0], [-7, -7]);
        assert_eq!(padded[1][3], q[1][2]);
        // Rows above too, none on the left.
        let y: [[[f32; 4]; 5]; 2] = ZeroPad2d::<0, 1, 2, 1>.forward(&x);
        let padded: [[[i8; 2]; 4]; 5] = Pad::<0, 1, 2, 1> { quant: P }.forward(&q);
        assert_eq!(padded, <[[[i8; 2]; 4]; 5]>::quantize(&y, P));

        let s: [[f32; 4]; 3] =
            core::array::from_fn(|c| core::array::from_fn(|l| l as f32 - c as f32));
        let y: [[f32; 7]; 3] = ZeroPad1d::<2, 1>.forward(&s);
        let padded: [[i8; 3]; 7] =
            Pad::<2, 1, 0, 0> { quant: P }.forward(&<[[i8; 3]; 4]>::quantize(&s, P));
        assert_eq!(padded, <[[i8; 3]; 7]>::quantize(&y, P));
        assert_eq!(padded[0], [-7; 3]);
    }
}
