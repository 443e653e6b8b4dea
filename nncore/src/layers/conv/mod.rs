//! `nn.Conv1d` and `nn.Conv2d`: cross-correlation with zero padding, stride, dilation and
//! groups. Both run the arithmetic in [`kernel`] (its summation order is documented there), `Conv1d`
//! as a convolution one row high.
//!
//! Padding is a number of zeros, the same on both sides of an axis (`padding_mode='zeros'`);
//! PyTorch's other padding modes, and `padding='same'` with an even dilated kernel (which pads
//! one side more), have no counterpart here.

use core::fmt;

pub(super) mod batch;
pub(crate) mod conv1d;
pub(crate) mod conv2d;
mod depthwise;
mod direct;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod flat;
pub(super) mod kernel;
pub(crate) mod norm;
mod panel;
mod phases;
mod pointwise;
mod shape;
pub(super) mod small;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod strided;
#[cfg(test)]
mod tests;
mod weight;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod weight_lanes;

/// A Python tuple of sizes: `(3,)`, `(3, 3)`.
struct PyTuple<'a>(&'a [usize]);

impl fmt::Display for PyTuple<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v}")?;
        }
        f.write_str(if self.0.len() == 1 { ",)" } else { ")" })
    }
}

/// A convolution's settings as `repr` prints them.
struct Repr<'a> {
    name: &'static str,
    in_channels: usize,
    out_channels: usize,
    kernel_size: &'a [usize],
    stride: &'a [usize],
    padding: &'a [usize],
    dilation: &'a [usize],
    groups: usize,
    bias: bool,
}

impl fmt::Display for Repr<'_> {
    /// `_ConvNd.extra_repr`: padding only if not all 0, dilation only if not all 1, groups only
    /// if not 1, bias only if absent (`padding_mode` is always `'zeros'`, never printed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({}, {}, kernel_size={}, stride={}",
            self.name,
            self.in_channels,
            self.out_channels,
            PyTuple(self.kernel_size),
            PyTuple(self.stride)
        )?;
        if self.padding.iter().any(|&p| p != 0) {
            write!(f, ", padding={}", PyTuple(self.padding))?;
        }
        if self.dilation.iter().any(|&d| d != 1) {
            write!(f, ", dilation={}", PyTuple(self.dilation))?;
        }
        if self.groups != 1 {
            write!(f, ", groups={}", self.groups)?;
        }
        if !self.bias {
            f.write_str(", bias=False")?;
        }
        f.write_str(")")
    }
}

/// Panics unless the settings are ones PyTorch accepts: stride, dilation and groups at least 1.
const fn check_settings(stride: &[usize], dilation: &[usize], groups: usize) {
    let mut i = 0;
    while i < stride.len() {
        assert!(stride[i] > 0, "a convolution's stride is at least 1");
        assert!(dilation[i] > 0, "a convolution's dilation is at least 1");
        i += 1;
    }
    assert!(groups > 0, "a convolution has at least 1 group");
}

/// The output length PyTorch gives along one axis, `(len + 2·padding - dilation·(k - 1) - 1) /
/// stride + 1`, or `None` if the dilated kernel does not fit in the padded input.
const fn output_len(
    len: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> Option<usize> {
    let padded = len + 2 * padding;
    let reach = dilation * kernel.saturating_sub(1) + 1;
    if kernel == 0 || stride == 0 || padded < reach {
        None
    } else {
        Some((padded - reach) / stride + 1)
    }
}

/// Asserts that a layer sees the input the model generator promises: `channels`
/// input channels in `groups` groups of `in_per_group`, `out` output channels divisible by
/// `groups`, and the output size PyTorch gives along each axis `(len, out_len, kernel, stride,
/// padding, dilation)`.
#[inline]
fn debug_check_shape(
    channels: usize,
    in_per_group: usize,
    out: usize,
    groups: usize,
    axes: &[(usize, usize, usize, usize, usize, usize)],
) {
    // A few integer operations a call, so that a hand-built layer of inconsistent sizes stops
    // with this message rather than compute garbage in a release build.
    assert!(
        groups > 0 && channels == in_per_group * groups && out % groups == 0,
        "a convolution of {in_per_group} channels a group in {groups} groups, {out} outputs, \
         given {channels} input channels"
    );
    for &(len, out_len, kernel, stride, padding, dilation) in axes {
        assert_eq!(
            output_len(len, kernel, stride, padding, dilation),
            Some(out_len),
            "a convolution's output length (input {len}, kernel {kernel}, stride {stride}, \
             padding {padding}, dilation {dilation})"
        );
    }
}
