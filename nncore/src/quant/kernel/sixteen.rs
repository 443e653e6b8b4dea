//! AVX-512 VNNI's [`super::Kernel::rows_flat`]: sixteen rows at a time, each row's products in
//! a vector of its own, the sixteen vectors reduced together into one vector of sixteen sums
//! (a transpose of partial sums, no sum across lanes a row) and added to the accumulators in
//! one masked store.
//!
//! The inputs become unsigned bytes, `u = x + 128`, and `Σ w·(x + offset) = Σ w·u − k · Σ w`
//! with `k = 128 − offset`. No correction is needed where `k = 0` (an input zero point of −128,
//! the usual one after a ReLU), or where the caller gives the row sums (taken off once, in the
//! lanes); otherwise a second `vpdpbusd` adds `k · w` beside `u · w`, eight rows at a time so
//! that both sets of accumulators stay in registers.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::{
    __m512i, _mm512_add_epi32, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_mask_storeu_epi32,
    _mm512_maskz_loadu_epi8, _mm512_maskz_loadu_epi32, _mm512_mullo_epi32, _mm512_set1_epi8,
    _mm512_set1_epi32, _mm512_setzero_si512, _mm512_shuffle_i32x4, _mm512_sub_epi32,
    _mm512_unpackhi_epi32, _mm512_unpackhi_epi64, _mm512_unpacklo_epi32, _mm512_unpacklo_epi64,
    _mm512_xor_si512,
};

/// AVX-512 VNNI: sixteen rows at a time (eight where the correction runs in the loop), then
/// eight, four, and the last one to three rows as four (the first repeated, its sums not
/// stored). 64 bytes a block, the last block's loads masked to the row.
///
/// # Safety
/// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; `weight.len() == acc.len() · x.len()`,
/// `x` not empty, `sums` (if any) `acc.len()` long.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn rows_avx512_vnni(
    weight: &[i8],
    x: &[i8],
    offset: i32,
    sums: Option<&[i32]>,
    acc: &mut [i32],
) {
    let n = x.len();
    let k = 128 - offset;
    let fix = sums.is_none() && k != 0;
    let widest = if fix { 8 } else { 16 };
    let mut o = 0;
    while o < acc.len() {
        let left = acc.len() - o;
        let take = if left >= widest {
            widest
        } else if left >= 8 {
            8
        } else {
            left.min(4)
        };
        // Rows `o ..`, the last one repeated up to four.
        let at = |r: usize| weight[(o + r.min(take - 1)) * n..].as_ptr();
        // SAFETY: each row pointer starts `n` bytes inside `weight` (`o + take <= acc.len()`).
        let lanes = unsafe {
            match (take, fix) {
                (16, _) => sixteen(dots::<16, false>(core::array::from_fn(at), x, k)),
                (8, false) => sixteen(dots::<8, false>(core::array::from_fn(at), x, k)),
                (8, true) => sixteen(dots::<8, true>(core::array::from_fn(at), x, k)),
                (_, false) => sixteen(dots::<4, false>(core::array::from_fn(at), x, k)),
                (_, true) => sixteen(dots::<4, true>(core::array::from_fn(at), x, k)),
            }
        };
        // A `match`, not `Option::map`: its closure was called out of this function.
        #[allow(clippy::manual_map)]
        let sums = match sums {
            Some(s) => Some(&s[o..o + take]),
            None => None,
        };
        // SAFETY: `acc[o..]` holds at least `take` int32.
        unsafe { add_lanes(lanes, sums, k, &mut acc[o..o + take]) };
        o += take;
    }
}

/// A fully connected layer's sums on AVX-512 VNNI, its row length `IN` known at compile time:
/// `out[o] = init[o] + Σ_i weight[o][i] · u[i]`, `u = x + 128`, wrapping, each group of
/// sixteen rows' sums stored from [`rows_unsigned_each`] in one masked store. Returns `out`,
/// every value written.
///
/// # Safety
/// The CPU must run AVX-512F, BW, VL and VNNI; `init` and `out` as long as
/// `weight`; `IN > 0`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
pub(super) unsafe fn rows_unsigned_into<'a, const IN: usize>(
    weight: &[[i8; IN]],
    x: &[i8; IN],
    init: &[i32],
    out: &'a mut [core::mem::MaybeUninit<i32>],
) -> &'a mut [i32] {
    let to = out.as_mut_ptr().cast::<i32>();
    // SAFETY: the masked lanes are the group's int32 from `o` of `out`.
    let store = |o: usize, mask: u16, sum: __m512i| unsafe {
        _mm512_mask_storeu_epi32(to.add(o).cast(), mask, sum);
    };
    // SAFETY: as this function's; `out` is as long as `weight`.
    unsafe { rows_unsigned_each(weight, x, init, store) };
    // SAFETY: every value of `out` was written above.
    unsafe { core::slice::from_raw_parts_mut(to, weight.len()) }
}

/// [`rows_unsigned_into`]'s sums handed to `each` a group at a time, in a register:
/// `each(o, mask, sums)` with the sums of rows `o ..` in the lanes of `mask`, sixteen rows at a
/// time, the last one to fifteen rows as sixteen (the last row repeated, its sums in lanes past
/// the mask). The loop over a row's blocks is unrolled (`IN` known), no mask computed at run
/// time. Rows of 32 bytes go two to a vector (`kernel/halves.rs`).
///
/// # Safety
/// The CPU must run AVX-512F, BW, VL and VNNI; `init` as long as `weight`;
/// `IN > 0`.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
pub(super) unsafe fn rows_unsigned_each<const IN: usize>(
    weight: &[[i8; IN]],
    x: &[i8; IN],
    init: &[i32],
    mut each: impl FnMut(usize, u16, __m512i),
) {
    if IN == 32 {
        // SAFETY: as this function's, rows of 32 bytes.
        return unsafe { super::halves::rows_each(weight.as_flattened(), x, init, each) };
    }
    if IN == 8 {
        // SAFETY: as this function's, rows of 8 bytes.
        return unsafe { super::halves::rows_each_of_eight(weight.as_flattened(), x, init, each) };
    }
    let rows = weight.len();
    // Each group's sums go to `each` once the next group's products are under way: its stage
    // then comes after those loads in the program, and the loads are in flight while it runs.
    let mut pending: Option<(usize, u16, __m512i)> = None;
    let mut o = 0;
    while o < rows {
        let take = (rows - o).min(16);
        // Row `o + r` (the last one past `take`): `IN` bytes, inside `weight`
        // (`o + take <= rows`). A whole group's rows are at fixed distances from the first.
        let base = weight[o..].as_ptr().cast::<i8>();
        // SAFETY: each row pointer is a row of `weight`, as above.
        let products = unsafe {
            if take == 16 {
                dots::<16, false>(core::array::from_fn(|r| base.add(r * IN)), x, 0)
            } else {
                let last = take - 1;
                dots::<16, false>(core::array::from_fn(|r| base.add(r.min(last) * IN)), x, 0)
            }
        };
        if let Some((o, mask, sums)) = pending {
            each(o, mask, sums);
        }
        let mask = (!0u32 >> (32 - take)) as u16;
        // SAFETY: the masked lanes are the `take` int32 from `o` of `init`.
        let start = unsafe { _mm512_maskz_loadu_epi32(mask, init.as_ptr().add(o)) };
        pending = Some((o, mask, _mm512_add_epi32(start, sixteen(products))));
        o += take;
    }
    if let Some((o, mask, sums)) = pending {
        each(o, mask, sums);
    }
}

/// One vector a row whose lanes add up to `Σ w · u` (with `FIX`, `Σ w · (u − k)`), `u = x + 128`.
///
/// # Safety
/// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; each of `rows` points at `x.len()`
/// weights; `x` is not empty.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn dots<const R: usize, const FIX: bool>(
    rows: [*const i8; R],
    x: &[i8],
    k: i32,
) -> [__m512i; R] {
    let n = x.len();
    let flip = _mm512_set1_epi8(i8::MIN);
    let kv = _mm512_set1_epi8(k as u8 as i8);
    let mut d = [_mm512_setzero_si512(); R];
    let mut c = [_mm512_setzero_si512(); R];
    let mut step = |u: __m512i, w: [__m512i; R]| {
        for r in 0..R {
            d[r] = _mm512_dpbusd_epi32(d[r], u, w[r]);
            if FIX {
                c[r] = _mm512_dpbusd_epi32(c[r], kv, w[r]);
            }
        }
    };
    let full = n / 64;
    for b in 0..full {
        // SAFETY: bytes `64b .. 64b + 64 <= n` of `x` and of each row.
        unsafe {
            let u = _mm512_xor_si512(_mm512_loadu_si512(x.as_ptr().add(64 * b).cast()), flip);
            step(
                u,
                core::array::from_fn(|r| _mm512_loadu_si512(rows[r].add(64 * b).cast())),
            );
        }
    }
    if n % 64 != 0 {
        // The bytes past the row are not read, and read as zero weights.
        let mask = !0u64 >> (64 - n % 64);
        // SAFETY: the mask keeps the loads within the `n` bytes.
        unsafe {
            let u = _mm512_xor_si512(
                _mm512_maskz_loadu_epi8(mask, x.as_ptr().add(64 * full)),
                flip,
            );
            step(
                u,
                core::array::from_fn(|r| _mm512_maskz_loadu_epi8(mask, rows[r].add(64 * full))),
            );
        }
    }
    if FIX {
        for r in 0..R {
            d[r] = _mm512_sub_epi32(d[r], c[r]);
        }
    }
    d
}

/// Lane `4g + r` of the result is the sum of the sixteen lanes of `v[4g + r]`, for the (up to)
/// sixteen rows there are, zero past them.
#[inline]
#[target_feature(enable = "avx512f")]
fn sixteen<const R: usize>(v: [__m512i; R]) -> __m512i {
    let row = |r: usize| if r < R { v[r] } else { _mm512_setzero_si512() };
    let q: [__m512i; 4] = core::array::from_fn(|g| {
        if 4 * g < R {
            quarters([row(4 * g), row(4 * g + 1), row(4 * g + 2), row(4 * g + 3)])
        } else {
            _mm512_setzero_si512()
        }
    });
    // Quarter `i` of `q[g]` holds rows `4g ..` summed over quarter `i` of their vectors:
    // transposed as 4 × 4 blocks of 128 bits, two quarters added at each step.
    let pair = |a: __m512i, b: __m512i| {
        _mm512_add_epi32(
            _mm512_shuffle_i32x4::<0b01_00_01_00>(a, b),
            _mm512_shuffle_i32x4::<0b11_10_11_10>(a, b),
        )
    };
    let (ab, cd) = (pair(q[0], q[1]), pair(q[2], q[3]));
    _mm512_add_epi32(
        _mm512_shuffle_i32x4::<0b10_00_10_00>(ab, cd),
        _mm512_shuffle_i32x4::<0b11_01_11_01>(ab, cd),
    )
}

/// Lane `r` of each 128-bit quarter of the result is the sum of that quarter of `v[r]`: pairs
/// of rows interleaved and added, then the pairs.
#[inline]
#[target_feature(enable = "avx512f")]
pub(super) fn quarters(v: [__m512i; 4]) -> __m512i {
    let ab = _mm512_add_epi32(
        _mm512_unpacklo_epi32(v[0], v[1]),
        _mm512_unpackhi_epi32(v[0], v[1]),
    );
    let cd = _mm512_add_epi32(
        _mm512_unpacklo_epi32(v[2], v[3]),
        _mm512_unpackhi_epi32(v[2], v[3]),
    );
    _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd))
}

/// Adds lane `r` of `lanes` to `acc[r]` for the (up to sixteen) rows of `acc`, less
/// `k · sums[r]` if given, wrapping.
///
/// # Safety
/// The CPU must run AVX-512F; `acc` holds at most sixteen int32, `sums` (if any) as many.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn add_lanes(lanes: __m512i, sums: Option<&[i32]>, k: i32, acc: &mut [i32]) {
    let mask = (!0u32 >> (32 - acc.len())) as u16;
    // SAFETY: the masked lanes are the `acc.len()` int32 of `acc` and of `sums`.
    unsafe {
        let mut sum = _mm512_add_epi32(_mm512_maskz_loadu_epi32(mask, acc.as_ptr()), lanes);
        if let Some(s) = sums {
            let s = _mm512_maskz_loadu_epi32(mask, s.as_ptr());
            sum = _mm512_sub_epi32(sum, _mm512_mullo_epi32(s, _mm512_set1_epi32(k)));
        }
        _mm512_mask_storeu_epi32(acc.as_mut_ptr(), mask, sum);
    }
}

#[cfg(test)]
mod tests {
    /// Row counts around AVX-512's groups of sixteen (and of eight where the correction runs in
    /// the loop), with the last one to fifteen rows in smaller groups: rows short, at a block and
    /// past it.
    #[test]
    fn every_kernel_computes_the_exact_sums_of_many_rows() {
        for (seed, (n, rows)) in [
            (5, 15),
            (64, 16),
            (65, 17),
            (128, 19),
            (8, 23),
            (127, 31),
            (128, 32),
            (1, 33),
            (200, 45),
            (640, 40),
        ]
        .into_iter()
        .enumerate()
        {
            super::super::tests::check_flat(100 + seed as u32, n, rows);
        }
    }
}
