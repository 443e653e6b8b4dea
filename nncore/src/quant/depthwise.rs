//! `DEPTHWISE_CONV_2D` on int8 in NHWC (`reference_integer_ops::DepthwiseConvPerChannel`).

use super::QuantLayer;
use super::conv::{Padding, Window, check_steps};
#[cfg(all(target_arch = "arm", target_os = "none"))]
use super::depthwise_taps::{Sizes, depthwise_taps};
use super::kernel::Kernel;
use super::params::OutputStage;

/// A depthwise int8 convolution over NHWC images `[[[i8; IN]; W]; H]`, giving
/// `[[[i8; OUT]; WO]; HO]` with `OUT = IN · depth_multiplier`: TensorFlow Lite's
/// `DEPTHWISE_CONV_2D` with per-channel weights.
///
/// Output channel `o = c · M + m` (`M = OUT / IN`) sees input channel `c` only:
/// `y[i][j][o] = stage(bias[o] + Σ_kh Σ_kw weight[kh][kw][o] · (x[i·sh + kh·dh − ph][j·sw + kw·dw −
/// pw][c] − zx))`, positions outside the input left out. PyTorch's counterpart is a `Conv2d`
/// with `groups = IN` and `IN · M` outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct DepthwiseConv2d<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> {
    /// `weight[kh][kw][o]`: TensorFlow Lite's `[1, kh, kw, out]`; symmetric.
    pub weight: [[[i8; OUT]; KW]; KH],
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

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize>
    DepthwiseConv2d<IN, OUT, KH, KW>
{
    /// Output channels per input channel, `OUT / IN`.
    pub const DEPTH_MULTIPLIER: usize = {
        assert!(
            IN > 0 && OUT % IN == 0,
            "a depthwise convolution has a whole number of outputs per input channel"
        );
        OUT / IN
    };

    /// The layer with these parameters and settings.
    ///
    /// # Panics
    /// If a stride or a dilation is 0; at compile time if `OUT` is not a multiple of `IN`.
    #[must_use]
    pub const fn new(
        weight: [[[i8; OUT]; KW]; KH],
        bias: [i32; OUT],
        stride: [usize; 2],
        dilation: [usize; 2],
        padding: Padding,
        stage: OutputStage<OUT>,
    ) -> Self {
        let _ = Self::DEPTH_MULTIPLIER;
        check_steps(stride, dilation);
        DepthwiseConv2d {
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
            p.output_size(0, input[0], KH, s[0], d[0]),
            p.output_size(1, input[1], KW, s[1], d[1]),
        ]
    }

    /// Each channel's `bias − (128 − offset) · Σ w`, wrapping: where the sums of the unsigned
    /// inputs `x + 128` start on the kernels in lanes (`offset` minus the input's zero point).
    /// The taps' rows added as whole rows, which vectorizes.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    pub(super) fn unsigned_base(&self) -> [i32; OUT] {
        let k = 128 - self.stage.input_offset();
        let mut sum = [0i32; OUT];
        for taps in self.weight.as_flattened() {
            for (s, &w) in sum.iter_mut().zip(taps) {
                *s = s.wrapping_add(i32::from(w));
            }
        }
        let mut base = self.bias;
        for (b, s) in base.iter_mut().zip(sum) {
            *b = b.wrapping_sub(k.wrapping_mul(s));
        }
        base
    }

    /// Multiply-adds of one forward pass giving `HO · WO` positions: `OUT · KH · KW · HO · WO`.
    #[must_use]
    pub const fn multiply_adds(output_len: usize) -> usize {
        OUT * KH * KW * output_len
    }

    /// The int8 output for `x`.
    ///
    /// `HO` and `WO` must be [`DepthwiseConv2d::output_size`] of `[H, W]` (checked in debug
    /// builds).
    #[must_use]
    #[inline]
    pub fn forward<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
    ) -> [[[i8; OUT]; WO]; HO] {
        let mut y = [[[0i8; OUT]; WO]; HO];
        self.forward_into(x, &mut y);
        y
    }

    /// [`DepthwiseConv2d::forward`] written into `y` (every value of it): the caller's storage,
    /// no copy of the output on the way back.
    #[cfg_attr(
        all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)),
        inline(never)
    )]
    pub fn forward_into<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        self.forward_into_with(x, Kernel::detect(), y);
    }

    /// [`DepthwiseConv2d::forward_into`] with the dot products of `kernel`; every kernel gives
    /// the same output.
    #[inline]
    pub fn forward_into_with<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let _ = Self::DEPTH_MULTIPLIER;
        self.run(x, kernel, y);
    }

    /// [`DepthwiseConv2d::forward_into_with`] without the compile-time check of `OUT / IN`:
    /// also the path of a [`Conv2d`](super::Conv2d) of one input channel a group, compiled for
    /// every shape of `Conv2d` (the caller checks `OUT % IN == 0`).
    #[cfg_attr(all(target_arch = "arm", target_os = "none"), inline(always))]
    pub(super) fn run<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        debug_assert_eq!(self.output_size([H, W]), [HO, WO], "output size");
        #[cfg(target_arch = "x86_64")]
        {
            let window = Window::new(
                self.padding,
                [H, W],
                [KH, KW],
                self.stride,
                self.dilation,
                [HO, WO],
            );
            #[cfg(nncore_avx512)]
            if self.strips_in_lanes(x, &window, kernel, y)
                || self.positions_in_lanes(x, &window, kernel, y)
                || self.rows_in_lanes(x, &window, kernel, y)
                || self.taps_in_lanes(x, &window, kernel, y)
            {
                return;
            }
            if self.taps_in_pairs(x, &window, kernel, y) {
                return;
            }
        }
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if self.stage.vector(kernel).is_some() {
            // SAFETY: the vector output stage runs only where the CPU has AVX-512 VNNI, F and
            // BW.
            return unsafe { self.forward_avx512(x, kernel, y) };
        }
        #[cfg(nn_arm_dsp)]
        if kernel == Kernel::Dsp {
            let window = Window::new(
                self.padding,
                [H, W],
                [KH, KW],
                self.stride,
                self.dilation,
                [HO, WO],
            );
            if self.planes(x, &window, y) {
                return;
            }
        }
        #[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
        {
            let window = Window::new(
                self.padding,
                [H, W],
                [KH, KW],
                self.stride,
                self.dilation,
                [HO, WO],
            );
            if self.fits_planes_thumb::<H, W, HO, WO>(&window) {
                self.planes_thumb(x, &window, y);
                return;
            }
        }
        #[cfg(all(target_arch = "arm", target_os = "none"))]
        if IN == OUT {
            return self.taps(x, kernel, y);
        }
        self.body(x, kernel, kernel, y);
    }

    /// A depthwise multiplier of 1 tap by tap, in the loop of every shape; out of line, apart
    /// from the plane kernels' registers.
    #[cfg(all(target_arch = "arm", target_os = "none"))]
    #[inline(never)]
    fn taps<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let (p, s, d) = (self.padding, self.stride, self.dilation);
        let window = Window::new(p, [H, W], [KH, KW], s, d, [HO, WO]);
        let sizes = Sizes {
            input: [H, W],
            output: [HO, WO],
            kernel: [KH, KW],
            channels: IN,
        };
        let x = x.as_flattened().as_flattened();
        let taps = self.weight.as_flattened().as_flattened();
        let (stage, mut acc) = (self.stage.view(), [0; OUT]);
        let y = y.as_flattened_mut().as_flattened_mut();
        depthwise_taps(
            x, sizes, &window, taps, &self.bias, stage, kernel, &mut acc, y,
        );
    }

    /// [`DepthwiseConv2d::body`] compiled for AVX-512: the taps' plain loop (the portable
    /// [`Kernel::tap`], inlined) runs in its lanes, and the output stage inlines.
    ///
    /// # Safety
    /// The CPU must run AVX-512F and AVX-512BW.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    #[target_feature(enable = "avx512f,avx512bw")]
    unsafe fn forward_avx512<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        self.body(x, Kernel::Portable, kernel, y);
    }

    /// The output tap by tap, the taps on `taps_on`, the output stage on `kernel`. Inlined
    /// whole into the AVX-512 function; out of line on Thumb-1, where the planes take the
    /// keyword spotter's layers and this frame would sit under theirs; elsewhere left to the
    /// compiler (forced, it made the keyword spotter's Cortex-M4 image 12 KB larger and its
    /// stack 7.7 KB deeper).
    #[cfg_attr(all(target_arch = "x86_64", nncore_avx512), inline(always))]
    #[cfg_attr(
        all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)),
        inline(never)
    )]
    fn body<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        taps_on: Kernel,
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        // Not `Self::DEPTH_MULTIPLIER`: see `run`.
        let m = OUT / IN;
        let window = Window::new(
            self.padding,
            [H, W],
            [KH, KW],
            self.stride,
            self.dilation,
            [HO, WO],
        );
        let offset = self.stage.input_offset();
        let vector = self.stage.vector(kernel);
        for (i, row) in y.iter_mut().enumerate() {
            for (j, pixel) in row.iter_mut().enumerate() {
                let mut acc = self.bias;
                for (kh, taps) in self.weight.iter().enumerate() {
                    let Some(r) = window.tap(0, i, kh, H) else {
                        continue;
                    };
                    for (kw, w) in taps.iter().enumerate() {
                        let Some(c) = window.tap(1, j, kw, W) else {
                            continue;
                        };
                        let input = &x[r][c];
                        if m == 1 {
                            taps_on.tap(&mut acc, w, input, offset);
                            continue;
                        }
                        for (o, acc) in acc.iter_mut().enumerate() {
                            let v = input[o / m] as i32 + offset;
                            *acc = acc.wrapping_add(w[o] as i32 * v);
                        }
                    }
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
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
> QuantLayer<[[[i8; IN]; W]; H], [[[i8; OUT]; WO]; HO]> for DepthwiseConv2d<IN, OUT, KH, KW>
{
    #[inline]
    fn forward(&self, x: &[[[i8; IN]; W]; H]) -> [[[i8; OUT]; WO]; HO] {
        DepthwiseConv2d::forward(self, x)
    }

    #[inline]
    fn forward_into(&self, x: &[[[i8; IN]; W]; H], y: &mut [[[i8; OUT]; WO]; HO]) {
        DepthwiseConv2d::forward_into(self, x, y);
    }
}
