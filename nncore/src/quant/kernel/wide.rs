//! The kernels' AVX-512 companions: the output stage and `ADD` sixteen or eight values at a
//! time, and the weights of a convolution packed with its output channels in the lanes (a
//! depthwise one's taps: `wide_taps.rs`); each `None` or `0` (the scalar path) where the CPU or
//! the compiler lacks AVX-512.

use super::Kernel;
#[cfg(not(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none"))))]
use crate::quant::fixed::Multiplier;
use crate::quant::fixed::Rounding;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
use core::mem::MaybeUninit;

/// Proof that [`rescale`] runs on this CPU: from [`Kernel::vector_stage`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct VectorStage(());

impl Kernel {
    /// Whether the output stage runs in vectors with this kernel: with AVX-512 VNNI (whose
    /// CPUs have AVX-512F and VL), on this CPU; sixteen channels at a time for the fixed-point
    /// roundings, eight for the `double` one.
    #[must_use]
    pub(crate) fn vector_stage(self, rounding: Rounding) -> Option<VectorStage> {
        let _ = rounding;
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if self == Kernel::Avx512Vnni && super::avx512_vnni_available() {
            return Some(VectorStage(()));
        }
        None
    }
}

/// The output stage, as [`crate::quant::OutputStage::finish`] computes it, of the first
/// channels of `acc`, sixteen at a time, up to the first sixteen whose multipliers it leaves to
/// the scalar stage (none in practice); returns how many.
///
/// # Panics
/// If `multiplier` or `out` is shorter than `acc`.
#[cfg(not(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none"))))]
#[cfg_attr(
    not(all(target_arch = "x86_64", nncore_avx512)),
    allow(unused_variables)
)]
#[inline(always)]
pub(crate) fn rescale(
    _proof: VectorStage,
    acc: &[i32],
    multiplier: &[Multiplier],
    rounding: Rounding,
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
) -> usize {
    assert!(multiplier.len() >= acc.len() && out.len() >= acc.len());
    assert!(
        rounding != Rounding::Float,
        "the double rounding is `rescale_float`'s"
    );
    // SAFETY: a `VectorStage` exists only where the CPU runs AVX-512F and VL, and the rounding
    // is not `Float`; the lengths were checked above.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    return unsafe { super::stage::finish(acc, multiplier, rounding, zero_point, clamp, out) };
    #[cfg(not(all(target_arch = "x86_64", nncore_avx512)))]
    0
}

/// The output stage with the interpreter's `double` rounding of every channel of `acc`, eight
/// at a time; returns how many (all of them).
///
/// # Panics
/// If `multiplier`, `weight_scale` or `out` is shorter than `acc`.
#[cfg(not(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none"))))]
#[cfg_attr(
    not(all(target_arch = "x86_64", nncore_avx512)),
    allow(unused_variables)
)]
#[inline(always)]
pub(crate) fn rescale_float(
    _proof: VectorStage,
    acc: &[i32],
    stage: (&[Multiplier], &[f32], [f32; 2]),
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
) -> usize {
    let (multiplier, weight_scale, scales) = stage;
    assert!(
        multiplier.len() >= acc.len() && weight_scale.len() >= acc.len() && out.len() >= acc.len()
    );
    // SAFETY: a `VectorStage` exists only where the CPU runs AVX-512F and VL; the lengths were
    // checked above.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    return unsafe {
        super::stage::finish_float(
            acc,
            multiplier,
            weight_scale,
            scales,
            zero_point,
            clamp,
            out,
        )
    };
    #[cfg(not(all(target_arch = "x86_64", nncore_avx512)))]
    0
}

/// [`crate::quant::Add::add`] of the first values of `a` and `b` into `out`, sixteen at a time,
/// returning how many (the rest, and everything with a mantissa of `i32::MIN`, is the scalar
/// `add`'s).
///
/// # Panics
/// If `b` or `out` is shorter than `a`.
#[cfg_attr(
    not(all(target_arch = "x86_64", nncore_avx512)),
    allow(unused_variables)
)]
pub(crate) fn add(
    _proof: VectorStage,
    add: &crate::quant::Add,
    a: &[i8],
    b: &[i8],
    out: &mut [i8],
) -> usize {
    assert!(b.len() >= a.len() && out.len() >= a.len());
    // SAFETY: a `VectorStage` exists only where the CPU runs AVX-512F and VL; the lengths were
    // checked above.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    return unsafe { super::stage::add(add, a, b, out) };
    #[cfg(not(all(target_arch = "x86_64", nncore_avx512)))]
    0
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
/// Weights packed by [`Kernel::pack`]: output channels in the lanes of AVX-512 VNNI.
#[derive(Debug)]
pub(crate) struct Packed<'a> {
    /// The packed weights.
    pub(super) weights: &'a [i8],
    /// Each row's sum, where the packing came with them ([`Kernel::prepacked`]).
    pub(super) sums: Option<&'a [i32]>,
    /// Whether packed row `r` is row [`lane_channel`](super::lane_channel)`(r)`, in whole
    /// blocks of 64: then a position's sums of four blocks pack to its 64 bytes in order.
    pub(super) lane_order: bool,
    /// Weights a row.
    pub(super) k: usize,
    /// Rows.
    pub(super) out: usize,
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
impl Packed<'_> {
    /// Whether the rows are packed in the lanes' order ([`Kernel::pack`]).
    #[inline]
    pub(crate) fn lane_order(&self) -> bool {
        self.lane_order
    }

    /// The packed bytes (for `packing.rs`'s tests).
    #[cfg(all(test, feature = "std"))]
    pub(crate) fn weights(&self) -> &[i8] {
        self.weights
    }
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
/// The bytes of `out` rows of `k` weights packed by [`Kernel::pack`]: `⌈out / 16⌉ · ⌈k/4⌉ · 64`.
#[must_use]
pub(crate) const fn packed_len(k: usize, out: usize) -> usize {
    crate::quant::packing::packed_len(k, out)
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
impl Kernel {
    /// `rows` (`out` rows of `k` weights end to end) packed into `buf` for the block kernel
    /// (`block.rs`), in the lanes' order where `lane_order` ([`Packed::lane_order`]; `out` a
    /// multiple of 64), where this kernel runs them (AVX-512 VNNI on this CPU) and `buf` holds
    /// [`packed_len`] bytes; else `None`. Every byte of the packed weights is written: `buf`
    /// need not be.
    #[must_use]
    pub(crate) fn pack<'a>(
        self,
        rows: &[i8],
        k: usize,
        out: usize,
        lane_order: bool,
        buf: &'a mut [MaybeUninit<i8>],
    ) -> Option<Packed<'a>> {
        let len = packed_len(k, out);
        let fits =
            k > 0 && rows.len() == out * k && buf.len() >= len && (!lane_order || out % 64 == 0);
        if self != Kernel::Avx512Vnni || !fits || !super::avx512_vnni_available() {
            return None;
        }
        let buf = buf[..len].as_mut_ptr().cast::<i8>();
        // SAFETY: the CPU runs AVX-512 VNNI (with F and BW), checked above; `rows` is `out`
        // rows of `k > 0`, `buf` the `len` bytes they pack into, every one of which `pack`
        // writes.
        let weights = unsafe {
            super::vnni::pack(rows, k, lane_order, buf, len);
            core::slice::from_raw_parts(buf.cast_const(), len)
        };
        Some(Packed {
            weights,
            sums: None,
            lane_order,
            k,
            out,
        })
    }

    /// `out` rows of `k` weights packed when the model compiled (`quant/packing.rs`, the layout
    /// [`Kernel::pack`] writes, in the lanes' order for whole blocks of 64) with their sums, where this kernel runs them (AVX-512 VNNI on
    /// this CPU) and the bytes are as many as the rows pack into; else `None`.
    #[must_use]
    pub(crate) fn prepacked(
        self,
        weights: &'static [i8],
        sums: &'static [i32],
        k: usize,
        out: usize,
    ) -> Option<Packed<'static>> {
        let fits = k > 0 && weights.len() == packed_len(k, out) && sums.len() == out;
        if self != Kernel::Avx512Vnni || !fits || !super::avx512_vnni_available() {
            return None;
        }
        Some(Packed {
            weights,
            sums: Some(sums),
            // As `quant/packing.rs` packs them.
            lane_order: out % 64 == 0,
            k,
            out,
        })
    }
}
