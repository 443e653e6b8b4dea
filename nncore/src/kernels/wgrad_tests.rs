//! [`super::accumulate`] against one chain a sum, and [`super::transpose`] against one float at a
//! time.

extern crate std;
use super::{Isa, Sweep, accumulate, transpose};
use crate::kernels::{fuses, paths};
use std::vec::Vec;

/// Values in [-1, 1) from a seed, some of them zero.
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if i % 11 == 0 {
                0.0
            } else {
                (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            }
        })
        .collect()
}

fn avx512() -> bool {
    paths().any(|isa| isa == Isa::Avx512)
}

#[test]
fn blocks_and_edges_transpose_as_one_float_at_a_time() {
    if !avx512() {
        return;
    }
    for [rows, cols, ls, ld] in [
        [1, 1, 1, 1],
        [16, 16, 16, 16],
        [17, 33, 40, 20],
        [48, 20, 21, 64],
        [5, 40, 40, 5],
    ] {
        let src = values((rows - 1) * ls + cols, (rows * 100 + cols) as u64);
        let mut dst = values((cols - 1) * ld + rows, 7);
        let mut want = dst.clone();
        for r in 0..rows {
            for c in 0..cols {
                want[c * ld + r] = src[r * ls + c];
            }
        }
        transpose(Isa::Avx512, &src, ls, &mut dst, ld, [rows, cols]);
        assert_eq!(dst, want, "{rows} × {cols}");
    }
}

/// Every sum of [`accumulate`], one chain over the positions in `order`.
fn chains<const KW: usize>(p: &Sweep<'_>, acc: &mut [f32], order: &[usize]) {
    for (t, &tap) in p.taps.iter().enumerate() {
        for kw in 0..KW {
            for o in 0..p.ldo {
                let s = &mut acc[(t * KW + kw) * p.ldo + o];
                for &q in order {
                    let (row, column) = (q / p.columns, q % p.columns);
                    let x = p.x[row * p.row_step + column * p.stride + tap + kw * p.dilation];
                    let d = p.dyt[q * p.ldo + o];
                    *s = if fuses(Isa::Avx512) {
                        libm::fmaf(x, d, *s)
                    } else {
                        *s + x * d
                    };
                }
            }
        }
    }
}

fn check<const KW: usize>(
    taps: usize,
    rows: usize,
    columns: usize,
    ldo: usize,
    stride: usize,
    dilation: usize,
) {
    let row_step = columns * stride + KW * dilation + 3;
    let offsets: Vec<usize> = (0..taps).map(|t| (t * 5) % 13 + t % 3).collect();
    let top = offsets.iter().max().copied().unwrap_or(0);
    let x = values(rows * row_step + top + KW * dilation, taps as u64);
    let n = rows * columns;
    let dyt = values(n * ldo, ldo as u64 + 1);
    let init = values(taps * KW * ldo, 3);
    let p = Sweep {
        x: &x,
        taps: &offsets,
        stride,
        dilation,
        row_step,
        rows,
        columns,
        dyt: &dyt,
        ldo,
    };
    let mut got = init.clone();
    accumulate::<KW>(Isa::Avx512, &p, &mut got);
    let (forward, backward): (Vec<usize>, Vec<usize>) = ((0..n).collect(), (0..n).rev().collect());
    let mut want = init.clone();
    chains::<KW>(&p, &mut want, &forward);
    let what = std::format!("{taps} rows of {KW} taps, {rows} × {columns}, {ldo} channels");
    assert!(
        got.iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "{what}"
    );
    // The comparison sees the order: the positions backwards give other bits.
    if n > 4 {
        let mut reversed = init;
        chains::<KW>(&p, &mut reversed, &backward);
        assert!(
            got.iter()
                .zip(&reversed)
                .any(|(a, b)| a.to_bits() != b.to_bits()),
            "{what}"
        );
    }
}

#[test]
fn every_tile_sums_each_chain_over_the_positions_in_order() {
    if !avx512() {
        return;
    }
    // Tiles of 1 to 8 kernel rows (15 as 8 and 7); 1 to 4 vectors of channels and a
    // fifth; stride and dilation; one position.
    for taps in [1, 2, 3, 7, 8, 15] {
        check::<3>(taps, 3, 7, 16, 1, 1);
        check::<3>(taps, 2, 5, 80, 2, 1);
    }
    check::<3>(11, 4, 9, 32, 1, 2);
    check::<3>(5, 2, 6, 48, 2, 2);
    check::<3>(9, 3, 4, 64, 1, 1);
    check::<1>(13, 2, 8, 16, 1, 1);
    check::<5>(6, 2, 3, 32, 3, 1);
    check::<7>(3, 1, 1, 16, 1, 1);
}
