//! A depthwise convolution tap by tap on Arm microcontrollers, the sizes taken at run time: one
//! copy of the loop for every layer of this kind ([`Conv2d`](super::Conv2d) of one channel a
//! group, [`DepthwiseConv2d`](super::DepthwiseConv2d) of depth multiplier 1), where the plane
//! kernels do not fit. The sums are the same as the generic loop's (wrapping int32 addition).

use super::conv::Window;
use super::finish::Stage;
use super::kernel::Kernel;

/// The input and output sizes of a depthwise run: `[rows, columns]` of each, and the channels.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sizes {
    pub input: [usize; 2],
    pub output: [usize; 2],
    pub kernel: [usize; 2],
    pub channels: usize,
}

/// The depthwise convolution of `x` into `y` (both flattened NHWC), `taps[kh][kw][c]` its
/// weights flattened, on `kernel`'s taps; `acc` holds one accumulator a channel.
///
/// # Panics
/// If a length is not the sizes'.
#[inline(never)]
pub(super) fn depthwise_taps(
    x: &[i8],
    sizes: Sizes,
    window: &Window,
    taps: &[i8],
    bias: &[i32],
    stage: Stage<'_>,
    kernel: Kernel,
    acc: &mut [i32],
    y: &mut [i8],
) {
    let Sizes {
        input: [h, w],
        output: [ho, wo],
        kernel: [kh, kw],
        channels: c,
    } = sizes;
    assert!(x.len() == h * w * c && y.len() == ho * wo * c && taps.len() == kh * kw * c);
    assert!(acc.len() == c && bias.len() == c && c > 0);
    let offset = stage.input_offset();
    let mut pixels = y.chunks_exact_mut(c);
    for i in 0..ho {
        for j in 0..wo {
            acc.copy_from_slice(bias);
            for a in 0..kh {
                let Some(r) = window.tap(0, i, a, h) else {
                    continue;
                };
                for b in 0..kw {
                    let Some(col) = window.tap(1, j, b, w) else {
                        continue;
                    };
                    let input = &x[(r * w + col) * c..][..c];
                    kernel.tap(acc, &taps[(a * kw + b) * c..][..c], input, offset);
                }
            }
            if let Some(pixel) = pixels.next() {
                stage.finish_all_into(acc, pixel);
            }
        }
    }
}
