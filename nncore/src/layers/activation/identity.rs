//! `nn.Identity`.

use crate::layers::activation::elementwise::Elementwise;
use crate::module::parameterless_module;

/// `y = x`: a placeholder layer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Identity;

impl Elementwise for Identity {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        x
    }

    #[inline]
    fn grad(&self, _: f32, _: f32, dy: f32) -> f32 {
        dy
    }
}

parameterless_module!(Identity, Identity);

// SAFETY: a unit struct has no bytes, so all-zero bits (none) are its one value.
unsafe impl crate::heap::Zeroable for Identity {}

impl core::fmt::Display for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Identity()")
    }
}
