//! The int8 `ADD` of `stage.rs` 64 values at a time on AVX-512 VBMI: each input's rescale
//! depends on its byte alone, so it is looked up in a table of all 256, made once a call with
//! `stage.rs`'s own lanes (four byte planes, two `vpermi2b` and a blend a plane), and only the
//! sum's rescale is computed in the lanes. The same bytes as sixteen at a time, with about half
//! the instructions.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::*;

use super::stage::BelowOne;

/// An input's rescaled values for every byte, as byte planes: `planes[i][q]` holds byte `i` of
/// the int32 values of the bytes `64q .. 64q + 64` (as `u8`).
struct Table {
    planes: [[__m512i; 4]; 4],
}

impl Table {
    /// `m.scale((v − zero_point) << 20)` of every byte `v`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn new(zero_point: i8, m: &BelowOne) -> Self {
        let mut bytes = [[0u8; 256]; 4];
        let z = _mm512_set1_epi32(i32::from(zero_point));
        let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for c in 0..16 {
            // The bytes `16c .. 16c + 16`, sign-extended.
            let v = _mm512_add_epi32(_mm512_set1_epi32(16 * c as i32), lanes);
            let x = _mm512_srai_epi32::<24>(_mm512_slli_epi32::<24>(v));
            let s = m.scale::<true>(_mm512_slli_epi32::<20>(_mm512_sub_epi32(x, z)));
            for (i, plane) in bytes.iter_mut().enumerate() {
                let byte =
                    _mm512_cvtepi32_epi8(_mm512_srav_epi32(s, _mm512_set1_epi32(8 * i as i32)));
                // SAFETY: the sixteen bytes from `16c` are inside the plane.
                unsafe { _mm_storeu_si128(plane.as_mut_ptr().add(16 * c).cast(), byte) };
            }
        }
        // SAFETY: the 64 bytes from `64q` are inside each plane.
        let planes = bytes.map(|plane| {
            core::array::from_fn(|q| unsafe {
                _mm512_loadu_si512(plane.as_ptr().add(64 * q).cast())
            })
        });
        Table { planes }
    }

    /// The int32 values of the 64 bytes `x`, in the unpacks' order: vector `t` holds those of
    /// bytes `16l + 4t .. 16l + 4t + 4` in each 128-bit lane `l` (the order two `packs` undo).
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn lookup(&self, x: __m512i) -> [__m512i; 4] {
        // The bytes' top bit picks the upper 128 entries; `vpermi2b` reads the seven below it.
        let upper = _mm512_movepi8_mask(x);
        let b: [__m512i; 4] = core::array::from_fn(|i| {
            let p = &self.planes[i];
            let lower = _mm512_permutex2var_epi8(p[0], x, p[1]);
            _mm512_mask_blend_epi8(upper, lower, _mm512_permutex2var_epi8(p[2], x, p[3]))
        });
        let (low01, high01) = (
            _mm512_unpacklo_epi8(b[0], b[1]),
            _mm512_unpackhi_epi8(b[0], b[1]),
        );
        let (low23, high23) = (
            _mm512_unpacklo_epi8(b[2], b[3]),
            _mm512_unpackhi_epi8(b[2], b[3]),
        );
        [
            _mm512_unpacklo_epi16(low01, low23),
            _mm512_unpackhi_epi16(low01, low23),
            _mm512_unpacklo_epi16(high01, high23),
            _mm512_unpackhi_epi16(high01, high23),
        ]
    }
}

/// Blocks of 64 values looked up a chunk at a time (4 KiB of the first input's rescaled values
/// on the stack).
const CHUNK: usize = 16;

/// `stage.rs`'s `add` of the first `64 · ⌊len / 64⌋` values, returning how many: the inputs'
/// rescales from tables, the sum's by `output` (its rounding corrected for negative products
/// where `SIGNED`), then packed to int8 with saturation, the zero point added on the way and
/// the clamp last. Each saturation changes only a result already past int8 (the zero point
/// within ±2^8), which the clamp takes to the same end as clamping the int32 result does.
///
/// # Safety
/// The CPU must run AVX-512F, BW and VBMI; `b` and `out` at least as long as `a`.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
pub(super) unsafe fn add_by_tables<const SIGNED: bool>(
    add: &crate::quant::Add,
    [a_scale, b_scale, output]: [&BelowOne; 3],
    a: &[i8],
    b: &[i8],
    out: &mut [i8],
) -> usize {
    let (ta, tb) = (
        Table::new(add.a.zero_point, a_scale),
        Table::new(add.b.zero_point, b_scale),
    );
    let zero_point = _mm512_set1_epi16(i16::from(add.output.zero_point));
    let (lo, hi) = (
        _mm512_set1_epi8(add.clamp[0]),
        _mm512_set1_epi8(add.clamp[1]),
    );
    let blocks = a.len() / 64;
    // A chunk's first inputs looked up, then its second ones with the sums: one table's
    // sixteen vectors live at a time, which stay in registers.
    let mut first = [[_mm512_setzero_si512(); 4]; CHUNK];
    for chunk in (0..blocks).step_by(CHUNK) {
        let n = (blocks - chunk).min(CHUNK);
        for (j, first) in first.iter_mut().enumerate().take(n) {
            // SAFETY: `64 (chunk + j) + 64 <= a.len()`.
            *first =
                ta.lookup(unsafe { _mm512_loadu_si512(a.as_ptr().add(64 * (chunk + j)).cast()) });
        }
        for (j, sa) in first.iter().enumerate().take(n) {
            let c = 64 * (chunk + j);
            // SAFETY: `c + 64 <= a.len()`, and `b` and `out` are as long.
            let sb = tb.lookup(unsafe { _mm512_loadu_si512(b.as_ptr().add(c).cast()) });
            let y: [__m512i; 4] =
                core::array::from_fn(|t| output.scale::<SIGNED>(_mm512_add_epi32(sa[t], sb[t])));
            let low = _mm512_adds_epi16(_mm512_packs_epi32(y[0], y[1]), zero_point);
            let high = _mm512_adds_epi16(_mm512_packs_epi32(y[2], y[3]), zero_point);
            let y = _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(low, high), lo), hi);
            // SAFETY: as above.
            unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(c).cast(), y) };
        }
    }
    64 * blocks
}
