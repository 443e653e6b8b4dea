//! `CONV_2D` on int8 in TensorFlow Lite's NHWC layout (`reference_integer_ops::ConvPerChannel`),
//! and the `SAME`/`VALID` padding rule that convolutions and pooling share.

use super::QuantLayer;
use super::kernel::{Kernel, row_sums};
use super::params::OutputStage;

/// The padding of a window op, per spatial axis: TensorFlow Lite's two, or PyTorch's explicit
/// one.
///
/// `Valid` uses only whole windows: `out = (in − k_eff) / stride + 1`, `k_eff = (k − 1) ·
/// dilation + 1`. `Same` gives `out = ⌈in / stride⌉` and pads `(out − 1) · stride + k_eff − in`
/// positions, half of them (rounded down) before the input and the rest after
/// (`ComputePaddingWithOffset`). `Explicit([rows, columns])` pads that many positions on both
/// sides of each axis, as PyTorch's `padding` does: `out = (in + 2p − k_eff) / stride + 1`.
/// Padded positions contribute nothing: in a convolution they stand for the input's zero point,
/// real 0; a pooling window leaves them out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Padding {
    /// Pad so that `out = ⌈in / stride⌉`.
    Same,
    /// No padding.
    #[default]
    Valid,
    /// `[rows, columns]` padded on both sides.
    Explicit([usize; 2]),
}

impl Padding {
    /// The output size along `axis` (0 rows, 1 columns) of `input` positions, for a window of
    /// `kernel` taps `dilation` apart moved by `stride` (TensorFlow Lite's `ComputeOutSize`).
    #[must_use]
    pub const fn output_size(
        self,
        axis: usize,
        input: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
    ) -> usize {
        let stride = if stride == 0 { 1 } else { stride };
        let padded = match self {
            Padding::Same => return input.div_ceil(stride),
            Padding::Valid => input,
            Padding::Explicit(p) => input + 2 * p[axis],
        };
        let span = effective(kernel, dilation);
        if padded + stride < span {
            0
        } else {
            (padded + stride - span) / stride
        }
    }

    /// The positions padded before the input along `axis` (top or left) for `output` positions:
    /// for `Same` half the total padding, rounded down (the odd one goes after); zero for
    /// `Valid`.
    #[must_use]
    pub const fn before(
        self,
        axis: usize,
        input: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
        output: usize,
    ) -> usize {
        match self {
            Padding::Valid => 0,
            Padding::Explicit(p) => p[axis],
            Padding::Same if output == 0 => 0,
            Padding::Same => {
                let needed = (output - 1) * stride + effective(kernel, dilation);
                needed.saturating_sub(input) / 2
            }
        }
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
                padding.before(0, input[0], kernel[0], stride[0], dilation[0], output[0]),
                padding.before(1, input[1], kernel[1], stride[1], dilation[1], output[1]),
            ],
            stride,
            dilation,
        }
    }

    /// Tap `k`'s input position for output position `o` along `axis`, if inside `len` positions.
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

/// A 2-D int8 convolution over NHWC images `[[[i8; C]; W]; H]` (rows × columns × channels),
/// giving `[[[i8; OUT]; WO]; HO]`: TensorFlow Lite's `CONV_2D` with per-channel weights.
///
/// `IN` is the input channels each output sees. With `C = IN` (one group) every output sees
/// every channel: `y[i][j][o] = stage(bias[o] + Σ_kh Σ_kw Σ_c weight[o][kh][kw][c] · (x[i·sh +
/// kh·dh − ph][j·sw + kw·dw − pw][c] − zx))`, positions outside the input left out; `ph`, `pw`
/// from [`Padding::before`], and `HO`, `WO` from [`Padding::output_size`]. An input of `C = G ·
/// IN` channels makes `G` groups, as PyTorch's `groups`: output `o` sees channels `g · IN ..
/// (g + 1) · IN` of its group `g = o / (OUT / G)` (`IN = 1`, `G = C` is a depthwise convolution).
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
    /// `SAME`, `VALID` or explicit.
    pub padding: Padding,
    /// Zero points, rescale and activation clamp.
    pub stage: OutputStage<OUT>,
    /// The weights packed when the model compiled ([`Conv2d::with_packing`]), if they were.
    #[cfg(target_arch = "x86_64")]
    pub(crate) packed: Option<super::packing::Prepacked<OUT>>,
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
            #[cfg(target_arch = "x86_64")]
            packed: None,
        }
    }

    /// `[HO, WO]` for an `H × W` input.
    #[must_use]
    pub const fn output_size(&self, input: [usize; 2]) -> [usize; 2] {
        let (p, s, d) = (self.padding, self.stride, self.dilation);
        [
            p.output_size(0, input[0], KH, s[0], d[0]),
            p.output_size(1, input[1], KW, s[1], d[1]),
        ]
    }

    /// Multiply-adds of a forward pass of `HO · WO` positions, padded taps included.
    #[must_use]
    pub const fn multiply_adds(output_len: usize) -> usize {
        OUT * KH * KW * IN * output_len
    }

    /// The int8 output for `x`, of `C = G · IN` channels in `G` groups, with the fastest dot
    /// products this CPU has ([`Kernel::detect`]).
    ///
    /// `HO` and `WO` must be [`Conv2d::output_size`] of `[H, W]` (checked in debug builds).
    ///
    /// # Panics
    /// At compile time unless `IN` divides `C` and the number of groups `C / IN` divides `OUT`.
    #[must_use]
    pub fn forward<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
    ) -> [[[i8; OUT]; WO]; HO] {
        self.forward_with(x, Kernel::detect())
    }

    /// [`Conv2d::forward`] with the dot products of `kernel` (one group); every kernel gives the
    /// same output.
    ///
    /// With one group, each output position is a fully connected layer on its patch (`KH × KW ×
    /// IN` values in the weights' order, a tap outside the input read as the zero point), the
    /// rows' sums taken once per call. Grouped ones: see `conv_groups.rs`.
    #[must_use]
    #[inline]
    pub fn forward_with<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        kernel: Kernel,
    ) -> [[[i8; OUT]; WO]; HO] {
        let mut y = [[[0i8; OUT]; WO]; HO];
        self.forward_into_with(x, kernel, &mut y);
        y
    }

    /// [`Conv2d::forward`] written into `y` (every value of it), with the fastest dot products
    /// this CPU has: the caller's storage, no copy of the output on the way back.
    #[inline]
    pub fn forward_into<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        self.forward_into_with(x, Kernel::detect(), y);
    }

    /// [`Conv2d::forward_with`] written into `y` (every value of it). Out of line on Arm
    /// microcontrollers, so that a model's `forward` holds its activations and no layer's
    /// working space.
    #[cfg_attr(all(target_arch = "arm", target_os = "none"), inline(never))]
    pub fn forward_into_with<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        const {
            assert!(
                IN > 0 && C % IN == 0 && C / IN > 0 && OUT % (C / IN) == 0,
                "the input's channels must be a whole number of groups of IN, dividing OUT"
            );
        }
        debug_assert_eq!(self.output_size([H, W]), [HO, WO], "output size");
        let window = Window::new(
            self.padding,
            [H, W],
            [KH, KW],
            self.stride,
            self.dilation,
            [HO, WO],
        );
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if C == IN && self.patches_in_lanes(x, &window, kernel, super::kernel::Amx::detect(), y) {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if C == IN && self.patches_in_pairs(x, &window, kernel, y) {
            return;
        }
        #[cfg(nn_arm_dsp)]
        if C == IN && kernel == Kernel::Dsp {
            self.positions(x, &window, y);
            return;
        }
        if C == IN {
            self.patches(x, &window, kernel, y);
        } else {
            self.groups(x, &window, kernel, y);
        }
    }

    /// One group: every output position's patch on `kernel`'s rows. Out of line on bare-metal
    /// Arm, where it is the fallback: its frame is then not under the faster paths'.
    #[cfg_attr(all(target_arch = "arm", target_os = "none"), inline(never))]
    fn patches<const C: usize, const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; C]; W]; H],
        window: &Window,
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let offset = self.stage.input_offset();
        let rows = self.weight.as_flattened().as_flattened().as_flattened();
        let sums = kernel.takes_row_sums().then(|| row_sums::<OUT>(rows));
        let sums = sums.as_ref().map(|s| &s[..]);
        let vector = self.stage.vector(kernel);
        let pointwise: Option<&[[i8; IN]; OUT]> = (KH == 1 && KW == 1)
            .then(|| self.weight.as_flattened().as_flattened().try_into().ok())
            .flatten();
        // `offset` is minus the zero point, within [-127, 128].
        let zero = (-offset) as i8;
        let mut patch = [[[zero; IN]; KW]; KH];
        for (i, row) in y.iter_mut().enumerate() {
            for (j, pixel) in row.iter_mut().enumerate() {
                let mut acc = self.bias;
                if let Some(pointwise) = pointwise {
                    // The pixel itself; a tap in the padding adds nothing.
                    if let (Some(r), Some(c)) = (window.tap(0, i, 0, H), window.tap(1, j, 0, W)) {
                        let input: &[i8; IN] = x[r][c][..IN].try_into().expect("C == IN");
                        match sums {
                            Some(_) => kernel.rows_flat(rows, input, offset, sums, &mut acc),
                            // The fixed-size rows of the Arm kernels.
                            None => kernel.rows(pointwise, input, offset, &mut acc),
                        }
                    }
                } else {
                    for (kh, taps) in patch.iter_mut().enumerate() {
                        let r = window.tap(0, i, kh, H);
                        for (kw, tap) in taps.iter_mut().enumerate() {
                            match (r, window.tap(1, j, kw, W)) {
                                (Some(r), Some(c)) => tap.copy_from_slice(&x[r][c][..IN]),
                                _ => *tap = [zero; IN],
                            }
                        }
                    }
                    kernel.patch_rows(&self.weight, &patch, offset, sums, &mut acc);
                }
                *pixel = self.stage.finish_all(&acc, vector);
            }
        }
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    const KH: usize,
    const KW: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
> QuantLayer<[[[i8; C]; W]; H], [[[i8; OUT]; WO]; HO]> for Conv2d<IN, OUT, KH, KW>
{
    #[inline]
    fn forward(&self, x: &[[[i8; C]; W]; H]) -> [[[i8; OUT]; WO]; HO] {
        Conv2d::forward(self, x)
    }

    #[inline]
    fn forward_into(&self, x: &[[[i8; C]; W]; H], y: &mut [[[i8; OUT]; WO]; HO]) {
        Conv2d::forward_into(self, x, y);
    }
}
