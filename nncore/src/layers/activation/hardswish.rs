//! `nn.Hardswish`.

use crate::layers::activation::elementwise::Elementwise;
use crate::layers::activation::relu6::clamp6;
use crate::module::parameterless_module;

/// `y = x · relu6(x + 3) / 6` elementwise, computed as PyTorch's CPU kernel computes it:
/// `x * min(max(x + 3, 0), 6) / 6`, with the same roundings.
///
/// The gradient is `hardswish_backward_kernel`'s in `aten/src/ATen/native/cpu/Activation.cpp`
/// (its scalar form, which the CUDA kernel shares): 0 for `x < -3`, `dy · (x / 3 + 0.5)` for
/// `-3 <= x <= 3`, `dy` above. So at `x = -3` it is `-0.5 · dy`, and at `x = 3` it is `1.5 · dy`
/// (PyTorch's vectorized CPU path gives `dy` at exactly 3).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Hardswish;

impl Elementwise for Hardswish {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        x * clamp6(x + 3.0) / 6.0
    }

    /// PyTorch's `hardswish_backward`.
    #[inline]
    fn grad(&self, x: f32, _: f32, dy: f32) -> f32 {
        if x < -3.0 {
            0.0
        } else if x <= 3.0 {
            dy * ((x / 3.0) + 0.5)
        } else {
            dy
        }
    }
}

parameterless_module!(Hardswish, Hardswish);

// SAFETY: a unit struct has no bytes, so all-zero bits (none) are its one value.
unsafe impl crate::heap::Zeroable for Hardswish {}

impl core::fmt::Display for Hardswish {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Hardswish()")
    }
}
