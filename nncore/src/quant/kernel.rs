//! The int8 dot products of `FULLY_CONNECTED` and `CONV_2D`: every row of a weight matrix times
//! `x − zx`, summed in wrapping int32, portable or with the CPU's integer dot-product
//! instructions (VNNI or AVX2 on x86-64, `SDOT` or `SMULL` on AArch64, the DSP extension's
//! `SMLAD` on Arm microcontrollers).
//!
//! Every path computes the same sum exactly, since wrapping int32 addition is associative and
//! each partial sum is exact before it wraps:
//!
//! - AVX2 (and `SMLAD`) offset the inputs into int16 (`x − zx` is within ±255), multiply them
//!   by the weights widened to int16 and add the products two by two into int32 lanes
//!   (`_mm256_madd_epi16`, sixteen multiply-adds an instruction). `_mm256_maddubs_epi16`, which
//!   multiplies bytes directly, saturates its int16 sums and is not used.
//! - AArch64 multiplies the signed bytes as they are (`SDOT`, sixteen multiply-adds an
//!   instruction, where the CPU has the dot-product extension; `SMULL` into int16 otherwise) and
//!   sums the weights beside them from the same loads: `Σ w·(x − zx) = Σ w·x − zx·Σ w`
//!   (`kernel/neon.rs`).
//! - VNNI's `vpdpbusd` multiplies unsigned bytes by signed bytes and adds four products into
//!   each int32 lane, wrapping: 64 multiply-adds an instruction with AVX-512, 32 with AVX-VNNI.
//!   The inputs become unsigned as `u = x + 128` (their sign bit flipped), and `Σ w·(x − zx) =
//!   Σ w·u − (128 + zx)·Σ w`. The row sums `Σ w` come with the call where the caller has them
//!   (a convolution sums its rows once per forward, then runs them at every output position);
//!   otherwise `vpdpbusd` adds `(128 + zx) · w` into a second accumulator beside `u · w`, from
//!   the same loaded weights. A fully connected layer needs neither: it keeps `bias − (128 +
//!   zx) · Σ w` from its construction and calls the kernel with an offset of 128 (`Σ w·u`).
//!
//! A fully connected layer runs its rows against one input: on AVX-512 VNNI sixteen rows at a
//! time, their vectors reduced together into sixteen sums that go through the output stage in
//! their register (`kernel/sixteen.rs`, `kernel/sixteen_stage.rs`), elsewhere four rows at a
//! time, each reduced across lanes. Where `(128 + zx) · Σ w` is 0 the second `vpdpbusd` is left
//! out.
//!
//! A convolution of one group on AVX-512 VNNI puts sixteen output channels in the lanes
//! (`conv_lanes.rs`), their weights packed four a lane ([`Kernel::pack`], or `quant/packing.rs`
//! for a constant model); four output positions at a time (`kernel/block.rs`) broadcast four
//! inputs against the sixteen channels' weights, read where they lie in a padded copy of the
//! input flipped to unsigned bytes once (`conv_lanes_rows.rs`, `kernel/runs.rs`), or on AMX
//! tiles (`kernel/amx.rs`). A depthwise convolution (at least 32 channels) puts four taps of a
//! channel in a lane (`kernel/taps.rs`). The convolutions in lanes hand their sums to the
//! output stage in registers (`kernel/prepared.rs`). The int8 `ADD` looks each input's rescale
//! up in a table of its 256 bytes on VBMI (`kernel/add_table.rs`). With AVX-512 the output
//! stage ([`crate::quant::OutputStage::finish`]) runs sixteen channels at a time and `ADD`
//! sixteen values, bit for bit the scalar code's (`kernel/stage.rs`).
//!
//! [`Kernel::detect`] chooses once for all layers; every kernel gives the same bits. The VNNI
//! and AVX-512 code needs Rust 1.89 (`nncore_avx512`, set by the build script); with an older
//! compiler the x86-64 paths are AVX2's.

use core::mem::MaybeUninit;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use plain::dot;
#[cfg_attr(
    all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)),
    allow(unused_imports)
)]
use plain::portable;
pub(crate) use plain::row_sums;
use plain::tap;

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use block::{BLOCK, block_base, block_dots, block_dots_finished, positions};
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use runs::Runs;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use wide::{Packed, packed_len};
pub(crate) use wide::{VectorStage, add};
#[cfg(not(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none"))))]
pub(crate) use wide::{rescale, rescale_float};
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use wide_taps::{
    PackedTaps, group_dots, group_dots_finished, interleave_taps, interleaved_len, lane_channel,
    packed_taps_len, tap_dots, tap_dots_finished,
};

/// Which dot products a layer runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Plain Rust, for every target (the compiler vectorizes it where it can); on bare-metal Arm
    /// cores without the DSP extension (Cortex-M0, M3) a loop in assembly that keeps Thumb-1's
    /// eight registers from spilling.
    Portable,
    /// x86-64 AVX2: sixteen multiply-adds an instruction. Where the CPU lacks AVX2, the portable
    /// path runs instead.
    Avx2,
    /// x86-64 AVX-VNNI (`vpdpbusd` on 256-bit vectors): 32 multiply-adds an instruction. Where
    /// the CPU lacks it, the portable path runs instead.
    AvxVnni,
    /// x86-64 AVX-512 VNNI (`vpdpbusd` on 512-bit vectors, with AVX-512BW's masked byte loads
    /// for the ends of rows): 64 multiply-adds an instruction; a convolution's products on AMX
    /// tiles (`tdpbusd`, 16 384 an instruction) where the CPU has AMX-INT8 and Linux grants it,
    /// unless [`Kernel::allow_amx`] turned them off. Where the CPU lacks AVX-512 VNNI, the
    /// portable path runs instead.
    Avx512Vnni,
    /// Arm's DSP extension (Cortex-M4, M7, M33, M55; built for a `thumbv7em` target): two
    /// multiply-adds an instruction (`SMLAD`), four rows at a time (a convolution of one group:
    /// each row against eight positions). On other targets the portable path runs instead.
    Dsp,
    /// AArch64 NEON: `SDOT` (sixteen multiply-adds an instruction) where the CPU has Armv8.2's
    /// dot-product extension (detected at run time with `std`), else `SMULL` and `SADALP`
    /// (eight). On other targets the portable path runs instead.
    Neon,
}

impl Kernel {
    /// Adds to `acc[o]` the dot product of `weight[o]` with `x` offset by `offset`, for every
    /// row `o`, wrapping.
    ///
    /// `offset` is minus the input's zero point, within `[-127, 128]`.
    #[inline]
    pub fn rows<const IN: usize, const OUT: usize>(
        self,
        weight: &[[i8; IN]; OUT],
        x: &[i8; IN],
        offset: i32,
        acc: &mut [i32; OUT],
    ) {
        self.rows_slice(weight, x, offset, acc);
    }

    /// [`Kernel::rows`] on any number of rows: a block of a layer's, its sums alone on the
    /// stack.
    ///
    /// # Panics
    /// If `acc` is not as long as `weight`.
    #[inline]
    pub fn rows_slice<const IN: usize>(
        self,
        weight: &[[i8; IN]],
        x: &[i8; IN],
        offset: i32,
        acc: &mut [i32],
    ) {
        assert_eq!(weight.len(), acc.len(), "one sum a row");
        #[cfg(nn_arm_dsp)]
        if self == Kernel::Dsp {
            arm::rows_of::<IN, 1, 1>(weight.as_flattened(), x, offset, None, acc);
            return;
        }
        #[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
        thumb::rows_of::<IN, 1, 1>(weight.as_flattened(), x, offset, acc);
        #[cfg(not(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp))))]
        self.rows_flat(weight.as_flattened(), x, offset, None, acc);
    }

    /// `out[o]` set to `init[o]` plus the dot product of `weight[o]` with `x` offset by
    /// `offset`, wrapping, every sum written and returned: [`Kernel::rows_slice`] from `init`,
    /// which the DSP extension's kernel reads in place of a copy, as AVX-512 VNNI's does with an
    /// offset of 128 (a fully connected layer's: its row length fixed at compile time).
    ///
    /// # Panics
    /// If `out` or `init` is not as long as `weight`.
    #[inline]
    pub(crate) fn rows_into<'a, const IN: usize>(
        self,
        weight: &[[i8; IN]],
        x: &[i8; IN],
        offset: i32,
        init: &[i32],
        out: &'a mut [MaybeUninit<i32>],
    ) -> &'a mut [i32] {
        assert_eq!(weight.len(), out.len(), "one sum a row");
        #[cfg(nn_arm_dsp)]
        if self == Kernel::Dsp {
            return arm::rows_into::<IN, 1, 1>(weight.as_flattened(), x, offset, init, out);
        }
        assert_eq!(init.len(), out.len(), "one start a row");
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if self == Kernel::Avx512Vnni && offset == 128 && IN > 0 && avx512_vnni_available() {
            // SAFETY: the CPU runs the kernel, checked here; the lengths were checked above.
            return unsafe { sixteen::rows_unsigned_into(weight, x, init, out) };
        }
        for (out, &init) in out.iter_mut().zip(init) {
            out.write(init);
        }
        // SAFETY: every value of `out` was written just above.
        let acc = unsafe { core::slice::from_raw_parts_mut(out.as_mut_ptr().cast(), out.len()) };
        self.rows_slice(weight, x, offset, acc);
        acc
    }

    /// [`Kernel::rows`] for a convolution's weights and patch (`sums` as in
    /// [`Kernel::rows_flat`]).
    #[inline]
    pub(crate) fn patch_rows<
        const IN: usize,
        const KW: usize,
        const KH: usize,
        const OUT: usize,
    >(
        self,
        weight: &[[[[i8; IN]; KW]; KH]; OUT],
        x: &[[[i8; IN]; KW]; KH],
        offset: i32,
        sums: Option<&[i32]>,
        acc: &mut [i32; OUT],
    ) {
        let flat = weight.as_flattened().as_flattened().as_flattened();
        let x = x.as_flattened().as_flattened();
        #[cfg(nn_arm_dsp)]
        if self == Kernel::Dsp {
            arm::rows_of::<IN, KW, KH>(flat, x, offset, None, acc);
            return;
        }
        #[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
        {
            let _ = sums;
            thumb::rows_of::<IN, KW, KH>(flat, x, offset, acc);
        }
        #[cfg(not(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp))))]
        self.rows_flat(flat, x, offset, sums, acc);
    }

    /// Whether the kernel uses the row sums `Σ w` of [`Kernel::rows_flat`] (the VNNI ones).
    #[must_use]
    pub(crate) fn takes_row_sums(self) -> bool {
        matches!(self, Kernel::AvxVnni | Kernel::Avx512Vnni)
    }

    /// [`Kernel::rows`] on `acc.len()` rows of `x.len()` weights each, laid end to end in
    /// `weight`, with each row's sum in `sums` if the caller has them (else the kernel computes
    /// what it needs). Portable where the CPU lacks the kernel.
    ///
    /// # Panics
    /// If `weight` is not `acc.len() · x.len()` long, or `sums` not `acc.len()`.
    #[inline]
    pub(crate) fn rows_flat(
        self,
        weight: &[i8],
        x: &[i8],
        offset: i32,
        sums: Option<&[i32]>,
        acc: &mut [i32],
    ) {
        assert_eq!(
            weight.len(),
            acc.len() * x.len(),
            "rows of the input's length"
        );
        assert!(sums.is_none_or(|s| s.len() == acc.len()), "one sum a row");
        if x.is_empty() {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: each kernel runs only where the CPU has its instructions, checked here;
            // the lengths were checked above.
            match self {
                #[cfg(nncore_avx512)]
                Kernel::Avx512Vnni if avx512_vnni_available() => {
                    return unsafe { sixteen::rows_avx512_vnni(weight, x, offset, sums, acc) };
                }
                #[cfg(nncore_avx512)]
                Kernel::AvxVnni if avx_vnni_available() => {
                    return unsafe { vnni::rows_avx_vnni(weight, x, offset, sums, acc) };
                }
                Kernel::Avx2 if avx2_available() => {
                    return unsafe { x86::rows_avx2(weight, x, offset, acc) };
                }
                _ => {}
            }
        }
        let _ = sums;
        #[cfg(target_arch = "aarch64")]
        if self == Kernel::Neon {
            return neon::rows_neon(weight, x, offset, acc);
        }
        portable(weight, x, offset, acc);
    }
}

impl Kernel {
    /// `acc[c] += w[c] · (x[c] + offset)` for every channel `c`, wrapping: one tap of a
    /// depthwise convolution, in the kernel's vector width on x86-64 (the same loop, compiled
    /// for AVX2 or AVX-512).
    ///
    /// # Panics
    /// If `w` or `x` is shorter than `acc`.
    #[inline]
    pub(crate) fn tap(self, acc: &mut [i32], w: &[i8], x: &[i8], offset: i32) {
        assert!(
            w.len() >= acc.len() && x.len() >= acc.len(),
            "a weight and an input a channel"
        );
        // SAFETY: each path runs only where the CPU has its instructions, checked here.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if self == Kernel::Avx512Vnni && avx512_vnni_available() {
            return unsafe { vnni::tap_avx512(acc, w, x, offset) };
        }
        #[cfg(target_arch = "x86_64")]
        if matches!(self, Kernel::Avx2 | Kernel::AvxVnni | Kernel::Avx512Vnni) && avx2_available() {
            return unsafe { x86::tap_avx2(acc, w, x, offset) };
        }
        tap(acc, w, x, offset);
    }
}

mod clamp;
mod detect;
#[cfg(test)]
pub(crate) use detect::KERNELS;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use detect::avx_vnni_available;
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_imports))]
pub(crate) use detect::avx2_available;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use detect::avx512_vbmi_available;
#[cfg(any(test, all(target_arch = "x86_64", nncore_avx512)))]
pub(crate) use detect::avx512_vnni_available;
#[cfg(nn_arm_dsp)]
mod arm;
#[cfg(nn_arm_dsp)]
mod arm_rows;
#[cfg(nn_arm_dsp)]
mod arm_wide;
#[cfg(nn_arm_dsp)]
mod dsp_double;
#[cfg(nn_arm_dsp)]
pub(crate) use dsp_double::finish_double;
#[cfg(target_arch = "aarch64")]
mod neon;
mod plain;
#[cfg(nn_arm_dsp)]
mod positions;
#[cfg(nn_arm_dsp)]
pub(crate) use positions::{POSITIONS, Patches};
#[cfg(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none")))]
mod micro;
#[cfg(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none")))]
pub(crate) use micro::DoubleStage;
// Built for the tests on other targets, which need a heap.
#[cfg(any(
    nn_arm_dsp,
    all(test, feature = "alloc"),
    all(target_arch = "arm", target_os = "none")
))]
mod once;
#[cfg(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none")))]
pub(crate) use once::finish_once;
#[cfg(any(nn_arm_dsp, all(test, feature = "alloc")))]
mod short;
#[cfg(any(nn_arm_dsp, all(test, feature = "alloc")))]
#[cfg_attr(not(nn_arm_dsp), allow(unused_imports))]
pub(crate) use short::ShortStage;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod amx;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use amx::AmxLayer;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use detect::Amx;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod block;
#[cfg(target_arch = "x86_64")]
mod block_avx2;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod runs;
#[cfg(target_arch = "x86_64")]
pub(crate) use block_avx2::{
    BLOCK as PAIRS_BLOCK, PackedPairs, packed_pairs_len, pairs_dots, pairs_dots_finished,
};
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod add_table;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod halves;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod prepared;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use prepared::Lanes;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod sixteen;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod sixteen_stage;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod stage;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod strided;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use strided::{gather_strided, gathers};
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod taps;
#[cfg(test)]
mod tests;
#[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
mod thumb;
#[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
mod thumb_stage;
#[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
pub(crate) use thumb_stage::finish_double;
#[cfg(target_arch = "x86_64")]
mod stage_avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) use stage_avx2::Lanes8;
#[cfg(all(test, target_arch = "x86_64"))]
mod stage_tests;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod vnni;
mod wide;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod wide_taps;
#[cfg(target_arch = "x86_64")]
mod x86;
