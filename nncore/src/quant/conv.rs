//! `CONV_2D` on int8 in TensorFlow Lite's NHWC layout (`reference_integer_ops::ConvPerChannel`),
//! and the `SAME`/`VALID` padding rule that convolutions and pooling share.

use super::QuantLayer;
use super::params::OutputStage;

/// TensorFlow Lite's padding of a window op, per spatial axis.
///
/// `Valid` uses only whole windows: `out = (in − k_eff) / stride + 1`, `k_eff = (k − 1) ·
/// dilation + 1`. `Same` gives `out = ⌈in / stride⌉` and pads `(out − 1) · stride + k_eff − in`
/// positions, half of them (rounded down) before the input and the rest after
/// (`ComputePaddingWithOffset`). Padded positions contribute nothing: in a convolution they
/// stand for the input's zero point, real 0; a pooling window leaves them out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Padding {
    /// Pad so that `out = ⌈in / stride⌉`.
    Same,
    /// No padding.
    #[default]
    Valid,
}

impl Padding {
    /// The output size along an axis of `input` positions, for a window of `kernel` taps
    /// `dilation` apart moved by `stride` (TensorFlow Lite's `ComputeOutSize`).
    #[must_use]
    pub const fn output_size(
        self,
        input: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
    ) -> usize {
        let stride = if stride == 0 { 1 } else { stride };
        match self {
            Padding::Same => input.div_ceil(stride),
            Padding::Valid => {
                let span = effective(kernel, dilation);
                if input + stride < span {
                    0
                } else {
                    (input + stride - span) / stride
                }
            }
        }
    }

    /// The positions padded before the input along an axis (top or left) for `output` positions:
    /// half the total padding, rounded down (the odd one goes after). Zero for `Valid`.
    #[must_use]
    pub const fn before(
        self,
        input: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
        output: usize,
    ) -> usize {
        if output == 0 {
            return 0;
        }
        let needed = (output - 1) * stride + effective(kernel, dilation);
        needed.saturating_sub(input) / 2
    }
}

/// The input positions a window of `kernel` taps `dilation` apart spans.
const fn effective(kernel: usize, dilation: usize) -> usize {
    if kernel == 0 {
        0
    } else {
        (kernel - 1) * dilation + 1
    }
}

/// The settings of a 2-D window op besides its sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    /// Positions before the input, `[rows, columns]`.
    pub before: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
}

impl Window {
    /// The window of an op with `kernel` taps over an `input` (rows, columns) giving `output`.
    pub(crate) const fn new(
        padding: Padding,
        input: [usize; 2],
        kernel: [usize; 2],
        stride: [usize; 2],
        dilation: [usize; 2],
        output: [usize; 2],
    ) -> Self {
        Window {
            before: [
                padding.before(input[0], kernel[0], stride[0], dilation[0], output[0]),
                padding.before(input[1], kernel[1], stride[1], dilation[1], output[1]),
            ],
            stride,
            dilation,
        }
    }

    /// The input position of tap `k` for output position `o` along `axis`, if it is inside an
    /// input of `len` positions.
    #[inline]
    pub(crate) const fn tap(&self, axis: usize, o: usize, k: usize, len: usize) -> Option<usize> {
        let at = o * self.stride[axis] + k * self.dilation[axis];
        if at < self.before[axis] || at - self.before[axis] >= len {
            None
        } else {
            Some(at - self.before[axis])
        }
    }
}

/// Panics unless every stride and dilation is at least 1.
pub(crate) const fn check_steps(stride: [usize; 2], dilation: [usize; 2]) {
    assert!(
        stride[0] > 0 && stride[1] > 0,
        "a stride must be at least 1"
    );
    assert!(
        dilation[0] > 0 && dilation[1] > 0,
        "a dilation must be at least 1"
    );
}

/// A 2-D int8 convolution over NHWC images `[[[i8; IN]; W]; H]` (rows × columns × channels),
/// giving `[[[i8; OUT]; WO]; HO]`: TensorFlow Lite's `CONV_2D` with per-channel weights.
///
/// `y[i][j][o] = stage(bias[o] + Σ_kh Σ_kw Σ_c weight[o][kh][kw][c] · (x[i·sh + kh·dh − ph][j·sw +
/// kw·dw − pw][c] − zx))`, positions outside the input left out; `ph`, `pw` from
/// [`Padding::before`], and `HO`, `WO` from [`Padding::output_size`].
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2d<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> {
    /// `weight[o][kh][kw][c]`: TensorFlow Lite's `[out, kh, kw, in]` (OHWI); symmetric.
    pub weight: [[[[i8; IN]; KW]; KH]; OUT],
    /// One bias per output channel, at scale `input.scale · weight_scale[o]`.
    pub bias: [i32; OUT],
    /// `[rows, columns]` between one output position and the next.
    pub stride: [usize; 2],
    /// `[rows, columns]` between kernel taps.
    pub dilation: [usize; 2],
    /// `SAME` or `VALID`.
    pub padding: Padding,
    /// Zero points, rescale and activation clamp.
    pub stage: OutputStage<OUT>,
}

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Conv2d<IN, OUT, KH, KW> {
    /// The layer with these parameters and settings.
    ///
    /// # Panics
    /// If a stride or a dilation is 0 (TensorFlow Lite refuses them too); in a `const`, at compile
    /// time.
    #[must_use]
    pub const fn new(
        weight: [[[[i8; IN]; KW]; KH]; OUT],
        bias: [i32; OUT],
        stride: [usize; 2],
        dilation: [usize; 2],
        padding: Padding,
        stage: OutputStage<OUT>,
    ) -> Self {
        check_steps(stride, dilation);
        Conv2d {
            weight,
            bias,
            stride,
            dilation,
            padding,
            stage,
        }
    }

    /// `[HO, WO]` for an `H × W` input.
    #[must_use]
    pub const fn output_size(&self, input: [usize; 2]) -> [usize; 2] {
        let (p, s, d) = (self.padding, self.stride, self.dilation);
        [
            p.output_size(input[0], KH, s[0], d[0]),
            p.output_size(input[1], KW, s[1], d[1]),
        ]
    }

    /// Multiply-adds of one forward pass giving `HO · WO` positions: `OUT · KH · KW · IN · HO · WO`
    /// (padded taps included).
    #[must_use]
    pub const fn multiply_adds(output_len: usize) -> usize {
        OUT * KH * KW * IN * output_len
    }

    /// The int8 output for `x`.
    ///
    /// `HO` and `WO` must be [`Conv2d::output_size`] of `[H, W]` (checked in debug builds).
    #[must_use]
    pub fn forward<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
    ) -> [[[i8; OUT]; WO]; HO] {
        debug_assert_eq!(self.output_size([H, W]), [HO, WO], "output size");
        let window = Window::new(
            self.padding,
            [H, W],
            [KH, KW],
            self.stride,
            self.dilation,
            [HO, WO],
        );
        let offset = self.stage.input_offset();
        let mut y = [[[0i8; OUT]; WO]; HO];
        for (i, row) in y.iter_mut().enumerate() {
            for (j, pixel) in row.iter_mut().enumerate() {
                for (o, out) in pixel.iter_mut().enumerate() {
                    let mut acc = self.bias[o];
                    for (kh, taps) in self.weight[o].iter().enumerate() {
                        let Some(r) = window.tap(0, i, kh, H) else {
                            continue;
                        };
                        for (kw, w) in taps.iter().enumerate() {
                            let Some(c) = window.tap(1, j, kw, W) else {
                                continue;
                            };
                            acc = acc.wrapping_add(dot(w, &x[r][c], offset));
                        }
                    }
                    *out = self.stage.finish(o, acc);
                }
            }
        }
        y
    }
}

/// `Σ w[c] · (x[c] + offset)`, wrapping.
#[inline]
fn dot(w: &[i8], x: &[i8], offset: i32) -> i32 {
    w.iter().zip(x).fold(0i32, |acc, (&w, &x)| {
        acc.wrapping_add(w as i32 * (x as i32 + offset))
    })
}

impl<
    const IN: usize,
    const OUT: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
> QuantLayer<[[[i8; IN]; W]; H], [[[i8; OUT]; WO]; HO]> for Conv2d<IN, OUT, KH, KW>
{
    #[inline]
    fn forward(&self, x: &[[[i8; IN]; W]; H]) -> [[[i8; OUT]; WO]; HO] {
        Conv2d::forward(self, x)
    }
}
