//! `nn.ReLU6`.

use crate::layers::activation::elementwise::Elementwise;
use crate::module::parameterless_module;

/// `y = min(max(x, 0), 6)` elementwise: PyTorch's `relu6`, which is `hardtanh(x, 0, 6)`
/// (`aten/src/ATen/native/Activation.cpp`), a clamp.
///
/// Its gradient is `hardtanh_backward_kernel`'s (`aten/src/ATen/native/cpu/Activation.cpp`):
/// `dy` where `0 < x < 6`, else 0, so 0 at both kinks, `x = 0` and `x = 6`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReLU6;

/// `min(max(v, 0), 6)` with C++'s `std::max` and `std::min`, as PyTorch's scalar kernels clamp:
/// a NaN stays a NaN, and `-0.0` stays `-0.0`.
#[inline]
pub(crate) fn clamp6(v: f32) -> f32 {
    let low = if v < 0.0 { 0.0 } else { v };
    if 6.0 < low { 6.0 } else { low }
}

impl Elementwise for ReLU6 {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        clamp6(x)
    }

    /// `dy` where `0 < x < 6`, else 0 (`hardtanh_backward_kernel`: `x <= 0 || x >= 6` gives 0).
    #[inline]
    fn grad(&self, x: f32, _: f32, dy: f32) -> f32 {
        if x <= 0.0 || x >= 6.0 { 0.0 } else { dy }
    }
}

parameterless_module!(ReLU6, ReLU6);

// SAFETY: a unit struct has no bytes, so all-zero bits (none) are its one value.
unsafe impl crate::heap::Zeroable for ReLU6 {}

impl core::fmt::Display for ReLU6 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ReLU6()")
    }
}
