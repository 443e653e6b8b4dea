//! The masks of `taps.rs` against their definition, lane by lane: for every width of row up to
//! past two vectors, planes not a multiple of sixteen nor of the width, sources shorter and
//! longer than the output, kernels up to 7 × 7 with dilations and one-sided offsets, and every
//! chunk of vectors (each start, each count).

extern crate std;

use std::vec::Vec;

use super::taps::{CHUNK, TapMasks};

/// Offsets of a kernel's rows or columns: centred, dilated, one-sided.
const OFFSETS: [&[isize]; 10] = [
    &[0],
    &[-1, 0, 1],
    &[-2, -1, 0, 1, 2],
    &[-3, -2, -1, 0, 1, 2, 3],
    &[-2, 0, 2],
    &[-3, 0, 3],
    &[0, 1, 2],
    &[-3, -2],
    &[1, 3],
    &[-1, 0],
];

/// The mask of tap `(d_row, d_col)` for the vector of positions from `16 · v`: lane `l` kept
/// where position `p = 16 · v + l` has column `p % width + d_col` inside the row and index
/// `p + d_row · width + d_col` inside the source.
fn reference(width: usize, src_len: usize, v: usize, (d_row, d_col): (isize, isize)) -> u16 {
    let (w, len) = (width as isize, src_len as isize);
    (0..16).fold(0, |m, l| {
        let p = (16 * v + l) as isize;
        let inside = (0..w).contains(&(p % w + d_col));
        let at = p + d_row * w + d_col;
        m | (u16::from(inside && (0..len).contains(&at)) << l)
    })
}

/// Every chunk of the masks for one shape against [`reference`]; counts other than the
/// longest only where `every_count`.
fn check(
    width: usize,
    src_len: usize,
    out_len: usize,
    kernel: (&[isize], &[isize]),
    every_count: bool,
) {
    let (rows, cols) = kernel;
    let taps = rows.len() * cols.len();
    let vectors = out_len.div_ceil(16);
    let expected: Vec<u16> = (0..vectors)
        .flat_map(|v| {
            let steps = rows.iter().flat_map(|&i| cols.iter().map(move |&j| (i, j)));
            steps.map(move |s| reference(width, src_len, v, s))
        })
        .collect();
    let mut m = TapMasks::new(width, src_len, rows, cols);
    assert_eq!(m.taps, taps);
    for (t, (&i, &j)) in rows
        .iter()
        .flat_map(|i| cols.iter().map(move |j| (i, j)))
        .enumerate()
    {
        assert_eq!(m.offsets[..taps][t], i * width as isize + j);
    }
    for v0 in 0..vectors {
        let most = CHUNK.min(vectors - v0);
        let counts = if every_count { 1..=most } else { most..=most };
        for count in counts {
            m.chunk(v0, count);
            let got = &m.masks[..][..count * taps];
            let want = &expected[v0 * taps..][..count * taps];
            assert_eq!(
                got, want,
                "width {width}, src {src_len}, out {out_len}, {kernel:?}, v0 {v0}, count {count}"
            );
        }
    }
}

#[test]
fn masks_match_their_definition() {
    for width in 1..=40usize {
        for height in [1, 2, 3, 7] {
            let out_len = width * height;
            let srcs = [
                out_len,
                out_len + 2 * width + 2,
                out_len + 5,
                out_len.saturating_sub(width).max(1),
            ];
            for src_len in srcs {
                for rows in OFFSETS {
                    for cols in OFFSETS {
                        check(width, src_len, out_len, (rows, cols), false);
                    }
                }
            }
        }
    }
}

#[test]
fn masks_match_their_definition_for_every_chunk() {
    for width in [1, 3, 5, 8, 13, 16, 17, 24, 31, 32, 40] {
        // Past one chunk of vectors, and not a multiple of sixteen when the width is odd.
        let out_len = width * (2 * CHUNK * 16 / width + 3);
        for src_len in [out_len, out_len + 3 * width + 1] {
            for kernel in [
                (OFFSETS[3], OFFSETS[3]),
                (OFFSETS[5], OFFSETS[6]),
                (OFFSETS[0], OFFSETS[9]),
            ] {
                check(width, src_len, out_len, kernel, true);
            }
        }
    }
}
