//! Where the inputs of a block of output positions lie ([`Runs`]), how far apart the positions'
//! runs are where that is the same for all (`Runs::apart`), and their groups of four bytes
//! broadcast for `kernel/block.rs`.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::__m512i;

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
    /// Bytes from each position's runs to the next one's where that is the same for all and
    /// not 0 (one address and its multiples for the block); else 0.
    pub(super) apart: usize,
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
            apart: k,
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
        // The positions of one output row (or of rows end to end) are evenly spaced.
        let d = first.get(1).map_or(0, |&f| f.saturating_sub(first[0]));
        let even = d > 0 && (1..P).all(|p| first[p] == first[0] + p * d);
        Runs {
            u,
            first,
            rows,
            stride,
            len,
            apart: if even { d } else { 0 },
        }
    }

    /// [`Runs::rows`] of positions evenly spaced: position `p`'s from `first + p · apart`
    /// (`apart > 0`).
    ///
    /// # Panics
    /// As [`Runs::rows`].
    #[must_use]
    #[inline(always)]
    pub(crate) fn spaced(
        u: &'a [u8],
        [first, apart]: [usize; 2],
        rows: usize,
        stride: usize,
        len: usize,
    ) -> Self {
        assert!(rows == 1 || len % 4 == 0, "rows of whole groups of four");
        assert!(apart > 0, "positions apart");
        // The last position's runs inside `u`, and so every position's.
        let end = (rows.max(1) - 1) * stride + len;
        assert!(
            first + (P - 1) * apart + end <= u.len(),
            "runs inside the inputs"
        );
        Runs {
            u,
            first: core::array::from_fn(|p| first + p * apart),
            rows,
            stride,
            len,
            apart,
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
    /// Where run `r` of each position starts.
    #[inline(always)]
    pub(super) fn run(&self, r: usize) -> [*const u8; P] {
        let (u, stride) = (self.runs.u.as_ptr(), self.runs.stride);
        // SAFETY (of the reads from these): `Runs::rows` checked every run inside `u`.
        core::array::from_fn(|p| u.wrapping_add(self.runs.first[p] + r * stride))
    }

    /// Where run `r` of the first position starts.
    #[inline(always)]
    pub(super) fn first_run(&self, r: usize) -> *const u8 {
        let u = self.runs.u.as_ptr();
        u.wrapping_add(self.runs.first[0] + r * self.runs.stride)
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

/// Runs `d` bytes apart, and the multiples of `d` that sixteen positions' addresses need
/// beyond the scales of an x86 address (1, 2, 4 and 8).
#[derive(Clone, Copy)]
pub(super) struct Apart {
    d: usize,
    d3: usize,
    d5: usize,
    d7: usize,
}

impl Apart {
    #[inline(always)]
    pub(super) fn new(d: usize) -> Self {
        Apart {
            d,
            d3: 3 * d,
            d5: 5 * d,
            d7: 7 * d,
        }
    }
}

/// Hands `f` the four bytes at `q + p · d` of each position `p`, broadcast to a vector, in
/// order: addresses of one or two registers and `apart`'s, where `P` addresses would not all
/// stay in registers. (Loads the compiler would otherwise join into vector loads and shuffles,
/// on the port the dot products use; one position at a time, so that the broadcasts do not all
/// take registers at once.)
///
/// # Safety
/// The CPU must run AVX-512F; the four bytes from each `q + p · d` are inside its run; `P` is 4,
/// 8 or 16.
#[inline]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn broadcasts<const P: usize>(
    q: *const u8,
    apart: &Apart,
    mut f: impl FnMut(usize, __m512i),
) {
    let Apart { d, d3, d5, d7 } = *apart;
    // Positions 9, 11, 13 and 15 from the eighth.
    let q8 = q.wrapping_add(8 * d);
    macro_rules! load {
        ($address:literal $(, $r:ident)*) => {{
            let x: __m512i;
            // SAFETY: the caller's: the four bytes at the address are inside a run.
            unsafe {
                core::arch::asm!(
                    concat!("vpbroadcastd {x}, dword ptr ", $address),
                    x = out(zmm_reg) x,
                    $($r = in(reg) $r,)*
                    options(pure, readonly, nostack, preserves_flags),
                );
            }
            x
        }};
    }
    macro_rules! at {
        (0) => {
            load!("[{q}]", q)
        };
        (1) => {
            load!("[{q} + {d}]", q, d)
        };
        (2) => {
            load!("[{q} + {d} * 2]", q, d)
        };
        (3) => {
            load!("[{q} + {d3}]", q, d3)
        };
        (4) => {
            load!("[{q} + {d} * 4]", q, d)
        };
        (5) => {
            load!("[{q} + {d5}]", q, d5)
        };
        (6) => {
            load!("[{q} + {d3} * 2]", q, d3)
        };
        (7) => {
            load!("[{q} + {d7}]", q, d7)
        };
        (8) => {
            load!("[{q} + {d} * 8]", q, d)
        };
        (9) => {
            load!("[{q8} + {d}]", q8, d)
        };
        (10) => {
            load!("[{q} + {d5} * 2]", q, d5)
        };
        (11) => {
            load!("[{q8} + {d3}]", q8, d3)
        };
        (12) => {
            load!("[{q} + {d3} * 4]", q, d3)
        };
        (13) => {
            load!("[{q8} + {d5}]", q8, d5)
        };
        (14) => {
            load!("[{q} + {d7} * 2]", q, d7)
        };
        (15) => {
            load!("[{q8} + {d7}]", q8, d7)
        };
    }
    macro_rules! positions {
        ($($i:tt)*) => {{
            $(f($i, at!($i));)*
        }};
    }
    match P {
        4 => positions!(0 1 2 3),
        8 => positions!(0 1 2 3 4 5 6 7),
        16 => positions!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15),
        _ => unreachable!("4, 8 or 16 positions"),
    }
}

#[cfg(test)]
mod tests {
    use super::Runs;

    #[test]
    fn evenly_spaced_positions_are_read_apart_and_others_anywhere() {
        let u = [0u8; 256];
        // One output row at a column stride of two over three channels.
        let row = Runs::<4>::rows(&u, [10, 16, 22, 28], 3, 40, 12);
        assert_eq!(row.apart, 6);
        // A block across the end of an output row.
        assert_eq!(Runs::<4>::rows(&u, [10, 16, 40, 46], 3, 40, 12).apart, 0);
        // A partial block's other positions at the start of the input.
        assert_eq!(Runs::<4>::rows(&u, [10, 16, 0, 0], 3, 40, 12).apart, 0);
        // Every position at one place, and positions in decreasing order.
        assert_eq!(Runs::<4>::rows(&u, [8; 4], 1, 0, 8).apart, 0);
        assert_eq!(Runs::<4>::rows(&u, [30, 20, 10, 0], 1, 0, 8).apart, 0);
        // Patches end to end.
        assert_eq!(Runs::<8>::patches(&u[..8 * 27], 27).apart, 27);
    }
}
