//! Where the inputs of a block of output positions lie ([`Runs`]), how far apart the positions'
//! runs are ([`Spacing`], a type so that their offsets are constants), and their groups of four
//! bytes broadcast for `kernel/block.rs`.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::__m512i;

/// How far apart the runs of a block's positions lie: [`Spacing::BYTES`], or anywhere
/// ([`Runs`]' starts say) where that is 0. A type, so that the offsets are constants.
pub(crate) trait Spacing {
    /// Bytes from one position's runs to the next one's; 0: anywhere.
    const BYTES: usize;
}

/// Runs anywhere.
pub(crate) struct Anywhere;

impl Spacing for Anywhere {
    const BYTES: usize = 0;
}

/// Runs `C · S` bytes apart: the positions of one output row of `C` channels at a column
/// stride of `S` (`C · S > 0`).
pub(crate) struct Apart<const C: usize, const S: usize>;

impl<const C: usize, const S: usize> Spacing for Apart<C, S> {
    const BYTES: usize = C * S;
}

/// Patches of `KH · KW · IN` bytes end to end ([`Runs::patches`]).
pub(crate) struct Patches<const IN: usize, const KH: usize, const KW: usize>;

impl<const IN: usize, const KH: usize, const KW: usize> Spacing for Patches<IN, KH, KW> {
    const BYTES: usize = KH * KW * IN;
}

/// Where a block's inputs lie: position `p`'s `k` inputs, as unsigned bytes (`x + 128`), are
/// `rows` runs of `len` bytes, run `r` at `u[first[p] + r · stride ..]`. One run of `k` a
/// position ([`Runs::patches`]), or rows of taps read where they lie in a padded input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Runs<'a, const P: usize> {
    pub(super) u: &'a [u8],
    pub(super) first: [usize; P],
    pub(super) rows: usize,
    pub(super) stride: usize,
    pub(super) len: usize,
}

impl<'a, const P: usize> Runs<'a, P> {
    /// `P` patches of `k` end to end: position `p`'s inputs `u[p · k ..][..k]`.
    ///
    /// # Panics
    /// If `u` is not `P · k` long.
    #[must_use]
    #[inline]
    pub(crate) fn patches(u: &'a [u8], k: usize) -> Self {
        assert_eq!(u.len(), P * k, "an input a weight and position");
        let first = core::array::from_fn(|p| p * k);
        Runs {
            u,
            first,
            rows: 1,
            stride: 0,
            len: k,
        }
    }

    /// `rows` runs of `len` bytes a position, `stride` apart, from `first[p]`.
    ///
    /// # Panics
    /// If a run ends past `u`, or runs of more than one row are not whole groups of four.
    #[must_use]
    #[inline]
    pub(crate) fn rows(
        u: &'a [u8],
        first: [usize; P],
        rows: usize,
        stride: usize,
        len: usize,
    ) -> Self {
        assert!(rows == 1 || len % 4 == 0, "rows of whole groups of four");
        let end = (rows.max(1) - 1) * stride + len;
        assert!(
            first.iter().all(|&f| f + end <= u.len()),
            "runs inside the inputs"
        );
        Runs {
            u,
            first,
            rows,
            stride,
            len,
        }
    }

    /// The inputs of each position.
    pub(super) fn k(&self) -> usize {
        self.rows * self.len
    }
}

/// The block's inputs.
pub(super) struct Inputs<'a, const P: usize> {
    pub(super) runs: Runs<'a, P>,
    /// Whole groups of four a run.
    pub(super) whole: usize,
    /// Each position's bytes past its last whole group of four, zero-extended.
    pub(super) tails: [i32; P],
}

impl<const P: usize> Inputs<'_, P> {
    /// Where run `r` of each position starts: `A::BYTES` apart where that is not 0 (one address
    /// and constant offsets, where `P` addresses would not all stay in registers).
    #[inline(always)]
    pub(super) fn run<A: Spacing>(&self, r: usize) -> [*const u8; P] {
        let (u, stride) = (self.runs.u.as_ptr(), self.runs.stride);
        // SAFETY (of the reads from these): `Runs::rows` checked every run inside `u`, and
        // `block_sums` that they are as far apart as `A` says.
        match A::BYTES {
            0 => core::array::from_fn(|p| u.wrapping_add(self.runs.first[p] + r * stride)),
            d => {
                let first = u.wrapping_add(self.runs.first[0] + r * stride);
                core::array::from_fn(|p| first.wrapping_add(p * d))
            }
        }
    }
}

/// Inputs `4g .. 4g + 4` of a run from `at`.
///
/// # Safety
/// The four bytes are inside the run.
#[inline(always)]
pub(super) unsafe fn word(at: *const u8, g: usize) -> i32 {
    // SAFETY: the caller's.
    unsafe { at.add(4 * g).cast::<i32>().read_unaligned() }
}

/// Inputs `4g .. 4g + 4` of the `P` runs `A::BYTES` apart from `first`, each broadcast to a
/// vector: one address and constant offsets. (Loads the compiler would otherwise join into
/// vector loads and shuffles, on the port the dot products use.)
///
/// # Safety
/// The CPU must run AVX-512F; the four bytes are inside each run; `P` is 4, 8 or 16.
#[inline]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn broadcasts<const P: usize, A: Spacing>(
    first: *const u8,
    g: usize,
) -> [__m512i; P] {
    // Position `I`'s.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn at<const I: usize, A: Spacing>(first: *const u8, g: usize) -> __m512i {
        let x: __m512i;
        // SAFETY: the caller's: the four bytes from `first + I · A::BYTES + 4g` are inside its
        // run.
        unsafe {
            core::arch::asm!(
                "vpbroadcastd {x}, dword ptr [{first} + {g} * 4 + {offset}]",
                x = out(zmm_reg) x,
                first = in(reg) first,
                g = in(reg) g,
                offset = const I * A::BYTES,
                options(pure, readonly, nostack, preserves_flags),
            );
        }
        x
    }
    macro_rules! positions {
        ($($i:literal)*) => {{
            // SAFETY: the caller's, for positions below `P`.
            let x = [$(unsafe { at::<$i, A>(first, g) }),*];
            core::array::from_fn(|p| x[p])
        }};
    }
    match P {
        4 => positions!(0 1 2 3),
        8 => positions!(0 1 2 3 4 5 6 7),
        16 => positions!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15),
        _ => unreachable!("4, 8 or 16 positions"),
    }
}
