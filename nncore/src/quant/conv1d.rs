//! A 1-D int8 convolution as the 2-D one over an image of one row, as TensorFlow Lite's
//! converter lowers Keras' `Conv1D` (`EXPAND_DIMS`, `CONV_2D` with a `1 × K` kernel).

use super::QuantLayer;
use super::conv::Conv2d;

/// A 1-D int8 convolution over sequences `[[i8; C]; L]` (length × channels), giving `[[i8; OUT];
/// LO]`: the [`Conv2d`] it holds, with a `1 × K` kernel, over the sequence as one row. `IN` is
/// the input channels each output sees; `C / IN` groups, as in [`Conv2d`].
#[derive(Clone, Debug, PartialEq)]
pub struct Conv1d<const IN: usize, const OUT: usize, const K: usize>(pub Conv2d<IN, OUT, 1, K>);

impl<const IN: usize, const OUT: usize, const K: usize> Conv1d<IN, OUT, K> {
    /// The int8 output for `x`; `LO` must be the output length the settings give.
    #[must_use]
    pub fn forward<const C: usize, const L: usize, const LO: usize>(
        &self,
        x: &[[i8; C]; L],
    ) -> [[i8; OUT]; LO] {
        let [y]: [[[i8; OUT]; LO]; 1] = self.0.forward(&[*x]);
        y
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    const K: usize,
    const C: usize,
    const L: usize,
    const LO: usize,
> QuantLayer<[[i8; C]; L], [[i8; OUT]; LO]> for Conv1d<IN, OUT, K>
{
    #[inline]
    fn forward(&self, x: &[[i8; C]; L]) -> [[i8; OUT]; LO] {
        Conv1d::forward(self, x)
    }
}
