//! [`Conv2d`] over groups of channels, tap by tap; with AVX-512 compiled for it, so that the
//! loops over channels run in its lanes. On x86-64 one input channel a group (a depthwise
//! convolution, PyTorch's `groups = in_channels`) runs on the kernels of
//! [`DepthwiseConv2d`](super::DepthwiseConv2d).

use super::conv::{Conv2d, Window};
#[cfg(target_arch = "x86_64")]
use super::depthwise::DepthwiseConv2d;
#[cfg(all(target_arch = "arm", target_os = "none"))]
use super::depthwise_taps::{Sizes, depthwise_taps};
use super::kernel::Kernel;

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Conv2d<IN, OUT, KH, KW> {
    /// The output of `C / IN > 1` groups: on x86-64 one input channel a group as
    /// [`Conv2d::depthwise`]; else [`Conv2d::groups_body`], compiled for AVX-512 where the
    /// output stage runs on it.
    pub(super) fn groups<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        window: &Window,
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        #[cfg(target_arch = "x86_64")]
        if IN == 1 {
            return self.depthwise(x, kernel, y);
        }
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if self.stage.vector(kernel).is_some() {
            // SAFETY: the vector output stage runs only where the CPU has AVX-512 VNNI, F and BW.
            return unsafe { self.groups_avx512(x, window, kernel, y) };
        }
        #[cfg(nn_arm_dsp)]
        if kernel == Kernel::Dsp && self.depthwise_planes(x, window, y) {
            return;
        }
        #[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
        if self.depthwise_planes_thumb(x, window, y) {
            return;
        }
        #[cfg(all(target_arch = "arm", target_os = "none"))]
        if IN == 1 && OUT == C {
            // `taps[kh][kw][o]`.
            let mut taps = [[[0i8; OUT]; KW]; KH];
            for (o, w) in self.weight.iter().enumerate() {
                for (kh, row) in w.iter().enumerate() {
                    for (kw, w) in row.iter().enumerate() {
                        taps[kh][kw][o] = w[0];
                    }
                }
            }
            let sizes = Sizes {
                input: [H, W],
                output: [HO, WO],
                kernel: [KH, KW],
                channels: C,
            };
            let (x, taps) = (
                x.as_flattened().as_flattened(),
                taps.as_flattened().as_flattened(),
            );
            let (stage, mut acc) = (self.stage.view(), [0; OUT]);
            let y = y.as_flattened_mut().as_flattened_mut();
            depthwise_taps(
                x, sizes, window, taps, &self.bias, stage, kernel, &mut acc, y,
            );
            return;
        }
        self.groups_body(x, window, kernel, kernel, y);
    }

    /// One input channel a group (`C` groups, `OUT / C` outputs each): the layer as the
    /// [`DepthwiseConv2d`] it is, on that layer's kernels (the taps or the positions in lanes,
    /// the stage in AVX2 lanes), its weights `[o][kh][kw][0]` laid out as `[kh][kw][o]` once per
    /// call. The same sums as [`Conv2d::groups_body`]'s (wrapping int32 addition) and the same
    /// stage, so the same bytes.
    #[cfg(target_arch = "x86_64")]
    pub(super) fn depthwise<
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
        debug_assert!(IN == 1 && OUT % C == 0, "one input channel a group");
        let mut weight = [[[0i8; OUT]; KW]; KH];
        for (o, w) in self.weight.iter().enumerate() {
            for (taps, w) in weight.iter_mut().zip(w) {
                for (tap, w) in taps.iter_mut().zip(w) {
                    tap[o] = w[0];
                }
            }
        }
        let layer = DepthwiseConv2d::<C, OUT, KH, KW> {
            weight,
            bias: self.bias,
            stride: self.stride,
            dilation: self.dilation,
            padding: self.padding,
            stage: self.stage,
        };
        layer.run(x, kernel, y);
    }

    /// [`Conv2d::groups_body`] compiled for AVX-512: the taps' plain loop (the portable
    /// [`Kernel::tap`], inlined) runs in its lanes.
    ///
    /// # Safety
    /// The CPU must run AVX-512F and AVX-512BW.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    #[target_feature(enable = "avx512f,avx512bw")]
    unsafe fn groups_avx512<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        window: &Window,
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        self.groups_body(x, window, Kernel::Portable, kernel, y);
    }

    /// Groups of `IN` channels, tap by tap (a depthwise one's taps on `taps_on`, the output stage
    /// on `kernel`): each tap's position is found once per pixel, and a
    /// depthwise convolution (`IN = 1`) runs one multiply-add per channel and tap, over the
    /// taps' weights laid out channel by channel. The sums are the same in any order (wrapping
    /// int32 addition).
    #[inline(always)]
    pub(super) fn groups_body<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        window: &Window,
        taps_on: Kernel,
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let vector = self.stage.vector(kernel);
        let offset = self.stage.input_offset();
        let per_group = OUT / (C / IN);
        // `taps[kh][kw][o]`, for the depthwise case.
        let depthwise = IN == 1 && per_group == 1;
        let mut taps = [[[0i8; OUT]; KW]; KH];
        if depthwise {
            for (o, w) in self.weight.iter().enumerate() {
                for (kh, row) in w.iter().enumerate() {
                    for (kw, w) in row.iter().enumerate() {
                        taps[kh][kw][o] = w[0];
                    }
                }
            }
        }
        for (i, row) in y.iter_mut().enumerate() {
            for (j, pixel) in row.iter_mut().enumerate() {
                let mut acc = self.bias;
                for (kh, row_taps) in taps.iter().enumerate() {
                    let Some(r) = window.tap(0, i, kh, H) else {
                        continue;
                    };
                    for (kw, tap) in row_taps.iter().enumerate() {
                        let Some(c) = window.tap(1, j, kw, W) else {
                            continue;
                        };
                        let input = &x[r][c];
                        if depthwise {
                            taps_on.tap(&mut acc, tap, input, offset);
                            continue;
                        }
                        for (o, acc) in acc.iter_mut().enumerate() {
                            let first = o / per_group * IN;
                            let w = &self.weight[o][kh][kw];
                            *acc = acc.wrapping_add(dot(w, &input[first..first + IN], offset));
                        }
                    }
                }
                *pixel = self.stage.finish_all(&acc, vector);
            }
        }
    }
}

/// `Σ w[c] · (x[c] + offset)`, wrapping.
#[inline]
fn dot(w: &[i8], x: &[i8], offset: i32) -> i32 {
    w.iter().zip(x).fold(0i32, |acc, (&w, &x)| {
        acc.wrapping_add(w as i32 * (x as i32 + offset))
    })
}
