//! `nn.Hardsigmoid`.

use crate::layers::activation::elementwise::Elementwise;
use crate::layers::activation::relu6::clamp6;
use crate::module::parameterless_module;

/// `y = relu6(x + 3) / 6` elementwise, computed as PyTorch's CPU kernel computes it:
/// `min(max(x + 3, 0), 6) / 6`.
///
/// The gradient is `hardsigmoid_backward_kernel`'s in `aten/src/ATen/native/cpu/Activation.cpp`:
/// `dy · (1/6)` (the `f32` nearest 1/6) where `-3 < x < 3`, else 0, so 0 at both kinks.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Hardsigmoid;

/// PyTorch's `one_sixth`, `1.0f / 6.0f`.
const ONE_SIXTH: f32 = 1.0 / 6.0;

impl Elementwise for Hardsigmoid {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        clamp6(x + 3.0) / 6.0
    }

    /// PyTorch's `hardsigmoid_backward`.
    #[inline]
    fn grad(&self, x: f32, _: f32, dy: f32) -> f32 {
        if x > -3.0 && x < 3.0 {
            dy * ONE_SIXTH
        } else {
            0.0
        }
    }
}

parameterless_module!(Hardsigmoid, Hardsigmoid);

// SAFETY: a unit struct has no bytes, so all-zero bits (none) are its one value.
unsafe impl crate::heap::Zeroable for Hardsigmoid {}

impl core::fmt::Display for Hardsigmoid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Hardsigmoid()")
    }
}
