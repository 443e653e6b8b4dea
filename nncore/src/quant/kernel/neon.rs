//! AArch64's int8 rows ([`super::Kernel::Neon`]): four rows at a time, sixteen bytes a step,
//! each row's products with `x` and the row's own sum in int32 lanes, then
//! `Σ w·(x + offset) = Σ w·x + offset · Σ w`, exact in wrapping int32 like every kernel's sum.
//! The last `n % 16` bytes go in plain Rust.
//!
//! With the dot-product extension (Armv8.2's `dotprod`: Cortex-A55 and A76 on, Neoverse, Apple
//! M1 on), `SDOT` adds four products into each of four lanes, sixteen multiply-adds an
//! instruction, and the row sums come from `SDOT` by a vector of ones. Without it, `SMULL` and
//! `SMULL2` multiply eight bytes into int16 (exact: `|w · x| ≤ 2^14`), `SADALP` adds them in pairs
//! into the int32 lanes, and `SADDLP`/`SADALP` sum the weights. The extension is detected at run
//! time with `std`, else taken where the build targets it.

use core::arch::aarch64::{
    int8x16_t, int32x4_t, vaddvq_s32, vdupq_n_s8, vdupq_n_s32, vget_low_s8, vld1q_s8,
    vmull_high_s8, vmull_s8, vpadalq_s16, vpaddlq_s8,
};

/// Rows taken together.
const ROWS: usize = 4;

/// [`super::Kernel::rows_flat`] with NEON: `acc[o] += Σ weight[o]·(x + offset)`, wrapping.
///
/// # Panics
/// If `weight` is not `acc.len()` rows of `x.len()`.
pub(super) fn rows_neon(weight: &[i8], x: &[i8], offset: i32, acc: &mut [i32]) {
    assert_eq!(
        weight.len(),
        acc.len() * x.len(),
        "rows of the input's length"
    );
    if dotprod_available() {
        // SAFETY: the CPU has the dot-product extension, checked just above.
        unsafe { rows_sdot(weight, x, offset, acc) }
    } else {
        rows(weight, x, offset, acc, widening);
    }
}

/// Whether this CPU has Armv8.2's dot-product instructions.
pub(super) fn dotprod_available() -> bool {
    #[cfg(feature = "std")]
    {
        std::arch::is_aarch64_feature_detected!("dotprod")
    }
    #[cfg(not(feature = "std"))]
    {
        cfg!(target_feature = "dotprod")
    }
}

/// [`rows_neon`] with `SDOT`.
///
/// # Safety
/// The CPU must have the dot-product extension.
#[target_feature(enable = "dotprod")]
unsafe fn rows_sdot(weight: &[i8], x: &[i8], offset: i32, acc: &mut [i32]) {
    rows(weight, x, offset, acc, |(dot, sum), w, x| {
        // SAFETY: the CPU has the extension (this function's contract).
        unsafe { (sdot(dot, w, x), sdot(sum, w, vdupq_n_s8(1))) }
    });
}

/// `acc + ` the sums of four adjacent products of `a` and `b` in each lane (`SDOT`).
///
/// # Safety
/// The CPU must have the dot-product extension.
#[inline]
#[target_feature(enable = "dotprod")]
unsafe fn sdot(mut acc: int32x4_t, a: int8x16_t, b: int8x16_t) -> int32x4_t {
    // SAFETY: `SDOT` reads and writes these registers only.
    unsafe {
        core::arch::asm!(
            "sdot {acc:v}.4s, {a:v}.16b, {b:v}.16b",
            acc = inout(vreg) acc,
            a = in(vreg) a,
            b = in(vreg) b,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    acc
}

/// One step without the extension: the products of sixteen weights `w` and inputs `x` added
/// into `dot`, the weights into `sum`.
#[inline(always)]
#[allow(unused_unsafe)]
fn widening((dot, sum): (int32x4_t, int32x4_t), w: int8x16_t, x: int8x16_t) -> Lanes {
    // SAFETY: NEON is part of AArch64; these touch registers only.
    unsafe {
        let dot = vpadalq_s16(dot, vmull_s8(vget_low_s8(w), vget_low_s8(x)));
        (
            vpadalq_s16(dot, vmull_high_s8(w, x)),
            vpadalq_s16(sum, vpaddlq_s8(w)),
        )
    }
}

/// A row's products and its weights' sum, in int32 lanes.
type Lanes = (int32x4_t, int32x4_t);

/// The driver of both variants: `step` adds sixteen bytes of a row into its lanes.
#[inline(always)]
#[allow(unused_unsafe)]
fn rows(
    weight: &[i8],
    x: &[i8],
    offset: i32,
    acc: &mut [i32],
    step: impl Fn(Lanes, int8x16_t, int8x16_t) -> Lanes,
) {
    let n = x.len();
    let blocks = n / 16;
    // SAFETY: `16 · b + 16 <= n`, inside `x` and each row of `n` bytes.
    let load = |row: &[i8], b: usize| unsafe { vld1q_s8(row.as_ptr().add(16 * b)) };
    let dots = |rows: &[i8], acc: &mut [i32]| {
        // SAFETY: NEON is part of AArch64.
        let zero = unsafe { vdupq_n_s32(0) };
        let mut lanes = [(zero, zero); ROWS];
        for b in 0..blocks {
            let xv = load(x, b);
            for (lanes, row) in lanes.iter_mut().zip(rows.chunks_exact(n)) {
                *lanes = step(*lanes, load(row, b), xv);
            }
        }
        let tail = 16 * blocks;
        for ((acc, (dot, sum)), row) in acc.iter_mut().zip(lanes).zip(rows.chunks_exact(n)) {
            let rest = super::dot(&row[tail..], &x[tail..], offset);
            // SAFETY: NEON is part of AArch64.
            let (dot, sum) = unsafe { (vaddvq_s32(dot), vaddvq_s32(sum)) };
            *acc = acc
                .wrapping_add(dot)
                .wrapping_add(offset.wrapping_mul(sum))
                .wrapping_add(rest);
        }
    };
    let mut groups = weight.chunks_exact(ROWS * n);
    let mut accs = acc.chunks_exact_mut(ROWS);
    for (rows, acc) in (&mut groups).zip(&mut accs) {
        dots(rows, acc);
    }
    dots(groups.remainder(), accs.into_remainder());
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    /// Both variants, whichever the CPU would choose, against the portable sums: lengths around
    /// the sixteen-byte steps, row counts around four, offsets at both ends, bytes at both ends.
    #[test]
    fn both_variants_compute_the_portable_sums() {
        let mut s = 7u32;
        let mut next = move || {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 24) as u8 as i8
        };
        for (n, rows) in [
            (1, 1),
            (15, 3),
            (16, 4),
            (17, 5),
            (33, 7),
            (64, 9),
            (200, 2),
        ] {
            for fill in [None, Some((i8::MIN, i8::MIN)), Some((i8::MAX, i8::MIN))] {
                let (w, x): (Vec<i8>, Vec<i8>) = match fill {
                    None => (
                        (0..n * rows).map(|_| next()).collect(),
                        (0..n).map(|_| next()).collect(),
                    ),
                    Some((w, x)) => (std::vec![w; n * rows], std::vec![x; n]),
                };
                for offset in [-127, -3, 0, 128] {
                    let mut want = std::vec![5; rows];
                    super::super::portable(&w, &x, offset, &mut want);
                    let mut got = std::vec![5; rows];
                    super::rows(&w, &x, offset, &mut got, super::widening);
                    assert_eq!(got, want, "widening {n}×{rows} offset {offset}");
                    if super::dotprod_available() {
                        let mut got = std::vec![5; rows];
                        // SAFETY: the CPU has the extension, checked just above.
                        unsafe { super::rows_sdot(&w, &x, offset, &mut got) };
                        assert_eq!(got, want, "sdot {n}×{rows} offset {offset}");
                    }
                }
            }
        }
    }
}
