//! The samples that flow through a model: `f32` arrays of rank 1 to 3 in PyTorch's layout.
//!
//! `[f32; N]` is a vector of `N` features, `[[f32; L]; C]` a sequence of `C` channels of length
//! `L` (what `Conv1d` takes), `[[[f32; W]; H]; C]` an image of `C` channels, `H` rows and `W`
//! columns (what `Conv2d` takes). A batch is a slice of samples, `&[X]`: PyTorch's `[N, C, H, W]`,
//! contiguous and row-major.

use crate::state::Shape;

/// One sample's type: an `f32` array of rank 1, 2 or 3, row-major.
///
/// Implemented for exactly those arrays (the trait is sealed), so a batch `&[Self]` is a
/// contiguous run of `LEN * len` floats and can be viewed as one.
pub trait Tensor: Copy + Send + Sync + 'static + sealed::Sealed {
    /// The number of floats in one sample.
    const LEN: usize;
    /// PyTorch's shape of one sample (`[C, H, W]`).
    const SHAPE: Shape;
    /// The sample with every value zero.
    const ZERO: Self;

    /// The values, row-major.
    fn flat(&self) -> &[f32];
    /// The values, row-major, writable.
    fn flat_mut(&mut self) -> &mut [f32];
    /// A batch's values, sample after sample.
    fn flat_batch(batch: &[Self]) -> &[f32];
    /// A batch's values, writable.
    fn flat_batch_mut(batch: &mut [Self]) -> &mut [f32];
    /// `values` (whose length is a multiple of `LEN`) as a batch of samples; the rest, if the
    /// length is not a multiple, is left out.
    fn batch_mut(values: &mut [f32]) -> &mut [Self];
}

mod sealed {
    pub trait Sealed {}
    impl<const N: usize> Sealed for [f32; N] {}
    impl<const L: usize, const C: usize> Sealed for [[f32; L]; C] {}
    impl<const W: usize, const H: usize, const C: usize> Sealed for [[[f32; W]; H]; C] {}
}

/// `values` as `&mut [T]`, for `T` an array of `len` floats.
///
/// # Safety
/// `T` must be an `f32` array (of any rank) holding exactly `len` floats.
unsafe fn cast_mut<T>(values: &mut [f32], len: usize) -> &mut [T] {
    let count = values.len().checked_div(len).unwrap_or(0);
    // SAFETY: `T` is `len` contiguous `f32` with `f32`'s alignment (the caller's promise), and
    // `count * len` floats of `values` are in bounds and borrowed for the result's lifetime.
    unsafe { core::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<T>(), count) }
}

impl<const N: usize> Tensor for [f32; N] {
    const LEN: usize = N;
    const SHAPE: Shape = Shape::vector(N);
    const ZERO: Self = [0.0; N];

    #[inline]
    fn flat(&self) -> &[f32] {
        self
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [f32] {
        self
    }
    #[inline]
    fn flat_batch(batch: &[Self]) -> &[f32] {
        batch.as_flattened()
    }
    #[inline]
    fn flat_batch_mut(batch: &mut [Self]) -> &mut [f32] {
        batch.as_flattened_mut()
    }
    #[inline]
    fn batch_mut(values: &mut [f32]) -> &mut [Self] {
        // SAFETY: `[f32; N]` is `N` floats.
        unsafe { cast_mut(values, N) }
    }
}

impl<const L: usize, const C: usize> Tensor for [[f32; L]; C] {
    const LEN: usize = C * L;
    const SHAPE: Shape = Shape::matrix(C, L);
    const ZERO: Self = [[0.0; L]; C];

    #[inline]
    fn flat(&self) -> &[f32] {
        self.as_flattened()
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [f32] {
        self.as_flattened_mut()
    }
    #[inline]
    fn flat_batch(batch: &[Self]) -> &[f32] {
        batch.as_flattened().as_flattened()
    }
    #[inline]
    fn flat_batch_mut(batch: &mut [Self]) -> &mut [f32] {
        batch.as_flattened_mut().as_flattened_mut()
    }
    #[inline]
    fn batch_mut(values: &mut [f32]) -> &mut [Self] {
        // SAFETY: `[[f32; L]; C]` is `C * L` floats.
        unsafe { cast_mut(values, C * L) }
    }
}

impl<const W: usize, const H: usize, const C: usize> Tensor for [[[f32; W]; H]; C] {
    const LEN: usize = C * H * W;
    const SHAPE: Shape = Shape::new(&[C, H, W]);
    const ZERO: Self = [[[0.0; W]; H]; C];

    #[inline]
    fn flat(&self) -> &[f32] {
        self.as_flattened().as_flattened()
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [f32] {
        self.as_flattened_mut().as_flattened_mut()
    }
    #[inline]
    fn flat_batch(batch: &[Self]) -> &[f32] {
        batch.as_flattened().as_flattened().as_flattened()
    }
    #[inline]
    fn flat_batch_mut(batch: &mut [Self]) -> &mut [f32] {
        batch
            .as_flattened_mut()
            .as_flattened_mut()
            .as_flattened_mut()
    }
    #[inline]
    fn batch_mut(values: &mut [f32]) -> &mut [Self] {
        // SAFETY: `[[[f32; W]; H]; C]` is `C * H * W` floats.
        unsafe { cast_mut(values, C * H * W) }
    }
}

#[cfg(test)]
mod tests {
    use super::Tensor;

    #[test]
    fn views_are_row_major() {
        let mut x = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]];
        assert_eq!(x.flat(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        assert_eq!(<[[[f32; 2]; 2]; 2]>::SHAPE.dims(), &[2, 2, 2]);
        x.flat_mut()[7] = 0.0;
        assert_eq!(x[1][1][1], 0.0);
        let mut values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let batch = <[[f32; 3]; 1]>::batch_mut(&mut values);
        assert_eq!(batch, &[[[1.0, 2.0, 3.0]], [[4.0, 5.0, 6.0]]]);
        assert_eq!(<[f32; 0]>::batch_mut(&mut values).len(), 0);
    }
}
