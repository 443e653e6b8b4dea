//! An evaluation-mode batch norm (and the `ReLU` after it) applied to a convolution's outputs
//! as they are stored: what `sequential!`'s inference pass asks of a convolution followed by
//! the batch norm of its value alone.

/// Output channel `o`'s values become `v · alpha[o] + beta[o]` (a multiplication, then an
/// addition, each rounded), then, with `relu`, `v` where it is above 0 and 0 elsewhere (NaN
/// included): the bits of the batch norm's evaluation forward, and of `ReLU`, run after.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Affine<'a> {
    pub(crate) alpha: &'a [f32],
    pub(crate) beta: &'a [f32],
    pub(crate) relu: bool,
}

impl<'a> Affine<'a> {
    /// The map of the channels from `first` on.
    pub(crate) fn from(self, first: usize) -> Affine<'a> {
        Affine {
            alpha: &self.alpha[first..],
            beta: &self.beta[first..],
            relu: self.relu,
        }
    }

    /// Whether it has a map for each of `channels` channels.
    pub(crate) fn covers(&self, channels: usize) -> bool {
        self.alpha.len() >= channels && self.beta.len() >= channels
    }

    /// The map applied in place to `values`, planes of `plane` floats, plane `i` of channel
    /// `i % channels`.
    pub(crate) fn apply(self, values: &mut [f32], plane: usize, channels: usize) {
        let plane = plane.max(1);
        super::in_lanes(
            #[inline(always)]
            || {
                for (i, values) in values.chunks_exact_mut(plane).enumerate() {
                    let c = i % channels.max(1);
                    let ab = (self.alpha[c], self.beta[c]);
                    if self.relu {
                        values.iter_mut().for_each(|v| *v = map::<true>(*v, ab));
                    } else {
                        values.iter_mut().for_each(|v| *v = map::<false>(*v, ab));
                    }
                }
            },
        );
    }
}

/// The map of one channel on sixteen sums in registers, as [`Affine`] states it: `(α, β)`
/// broadcast, and whether the `ReLU` follows. `max(v, 0)` keeps `v` only where it is above 0
/// (NaN or -0 give 0, the second operand).
///
/// # Safety
/// The CPU has AVX-512F.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
#[inline(always)]
pub(super) unsafe fn map512(
    sum: core::arch::x86_64::__m512,
    (a, b, relu): (core::arch::x86_64::__m512, core::arch::x86_64::__m512, bool),
) -> core::arch::x86_64::__m512 {
    use core::arch::x86_64::{_mm512_add_ps, _mm512_max_ps, _mm512_mul_ps, _mm512_setzero_ps};
    // SAFETY: the caller's.
    unsafe {
        let v = _mm512_add_ps(_mm512_mul_ps(sum, a), b);
        if relu {
            _mm512_max_ps(v, _mm512_setzero_ps())
        } else {
            v
        }
    }
}

/// Channel `c`'s map broadcast for [`map512`].
///
/// # Safety
/// The CPU has AVX-512F; the map covers channel `c`.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
#[inline(always)]
pub(super) unsafe fn broadcast(
    f: Affine<'_>,
    c: usize,
) -> (core::arch::x86_64::__m512, core::arch::x86_64::__m512, bool) {
    use core::arch::x86_64::_mm512_set1_ps;
    // SAFETY: the caller's.
    unsafe {
        let (a, b) = (f.alpha.get_unchecked(c), f.beta.get_unchecked(c));
        (_mm512_set1_ps(*a), _mm512_set1_ps(*b), f.relu)
    }
}

/// A batch norm's evaluation map of one value, `x·a + b` (a multiplication, then an addition),
/// then with `RELU` the value if above 0, else 0, as PyTorch's `ReLU` has it: what the batch
/// norm's own pass and [`Affine::apply`] compute.
#[inline(always)]
pub(crate) fn map<const RELU: bool>(x: f32, (a, b): (f32, f32)) -> f32 {
    let v = x * a + b;
    if !RELU || v > 0.0 { v } else { 0.0 }
}
