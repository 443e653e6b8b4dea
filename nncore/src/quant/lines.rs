//! Values on cache lines, for the x86-64 kernels that read them in 64-byte blocks.

/// `T` at an address that is a multiple of 64 on x86-64, whose kernels read weights in 64-byte
/// blocks: no load then spans two cache lines (a fully connected layer's weights streamed in
/// from L2 at half the rate when they did). Elsewhere as `T`, no padding.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(target_arch = "x86_64", repr(align(64)))]
pub(crate) struct Lines<T>(pub T);
