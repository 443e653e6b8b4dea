//! Building large models and their gradients directly on the heap, and the scratch bound of
//! the block paths.

/// Types whose all-zero bit pattern is a valid value: every layer, and every model made of
/// layers. Lets a model of millions of parameters be allocated zeroed, never built on the stack.
///
/// # Safety
/// All-zero bytes must be a valid value of the type: every field, recursively, must accept
/// them (`f32`, arrays of it, unit structs, a fieldless `repr(u8)` enum with a variant `= 0`).
pub unsafe trait Zeroable {}

/// A zeroed `T` on the heap; no `T` is ever built on the stack, even in a debug build.
#[cfg(feature = "alloc")]
#[must_use]
pub fn zeroed_box<T: Zeroable>() -> alloc::boxed::Box<T> {
    use alloc::alloc::{Layout, alloc_zeroed, handle_alloc_error};
    let layout = Layout::new::<T>();
    if layout.size() == 0 {
        // SAFETY: a zero-sized `T` needs no memory; a dangling aligned pointer is its box.
        return unsafe {
            alloc::boxed::Box::from_raw(core::ptr::NonNull::<T>::dangling().as_ptr())
        };
    }
    // SAFETY: the layout has a non-zero size.
    let memory = unsafe { alloc_zeroed(layout) }.cast::<T>();
    if memory.is_null() {
        handle_alloc_error(layout);
    }
    // SAFETY: the memory was allocated by the global allocator with `T`'s layout, and holds
    // all-zero bits, a valid `T` since `T: Zeroable`.
    unsafe { alloc::boxed::Box::from_raw(memory) }
}

/// The bytes the backward block paths may keep on the stack for activations and gradients:
/// with `std`, room for a few dozen samples of a small model (a model nested in another takes
/// as much again, one level down); without it, what a small device can spare.
const BLOCK_SCRATCH_BYTES: usize = if cfg!(feature = "std") {
    128 * 1024
} else {
    32 * 1024
};

/// The most samples a backward block holds.
const MAX_BLOCK: usize = 32;

/// The bytes the forward block path may keep on the stack for activations: with `std`
/// (threads of 2 MiB or more), enough for the batch products of wide layers to reuse each
/// weight over a few dozen samples; without it, what a small device can spare.
const FORWARD_SCRATCH_BYTES: usize = if cfg!(feature = "std") {
    256 * 1024
} else {
    32 * 1024
};

/// The most samples a forward block holds.
const MAX_FORWARD_BLOCK: usize = 32;

/// How many samples of `per_sample` floats fit in `budget` bytes, at most `max`; 0 if not one
/// does.
const fn fit(per_sample: usize, budget: usize, max: usize) -> usize {
    let bytes = per_sample * core::mem::size_of::<f32>();
    let fit = match budget.checked_div(bytes) {
        Some(fit) => fit,
        None => max,
    };
    if fit > max { max } else { fit }
}

/// How many samples the backward passes of evaluation mode run at once on the stack, each with
/// a workspace of `per_sample` floats: as many as fit 128 KiB with `std` (32 KiB without), at
/// most 32; 0 if not one does. Past the stack's budget the workspace goes on the heap.
#[must_use]
pub const fn block_size(per_sample: usize) -> usize {
    fit(per_sample, BLOCK_SCRATCH_BYTES, MAX_BLOCK)
}

/// How many samples the forward of evaluation mode runs at once on the stack, each with an
/// arena of `per_sample` floats: as many as fit 256 KiB with `std` (32 KiB without), at most
/// 32; 0 if not one does (the arena then goes on the heap).
#[must_use]
pub const fn forward_block_size(per_sample: usize) -> usize {
    fit(per_sample, FORWARD_SCRATCH_BYTES, MAX_FORWARD_BLOCK)
}

/// Emits its items only when `nncore` has the `alloc` feature, so generated code can offer
/// heap constructors without knowing how `nncore` was built.
#[cfg(feature = "alloc")]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_alloc {
    ($($item:item)*) => { $($item)* };
}

/// Emits its items only when `nncore` has the `alloc` feature.
#[cfg(not(feature = "alloc"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __with_alloc {
    ($($item:item)*) => {};
}

#[cfg(test)]
mod tests {
    use super::{block_size, forward_block_size};

    #[test]
    fn block_size_shrinks_with_width() {
        assert_eq!(block_size(56), 32);
        let wide = if cfg!(feature = "std") { 8 } else { 2 };
        assert_eq!(block_size(4020), wide);
        assert_eq!(block_size(200_010), 0);
        assert_eq!(forward_block_size(28), 32);
        let wide = if cfg!(feature = "std") { 32 } else { 4 };
        assert_eq!(forward_block_size(2010), wide);
        assert_eq!(forward_block_size(100_010), 0);
    }
}
