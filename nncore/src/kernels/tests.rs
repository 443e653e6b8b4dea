//! Every kernel path this CPU runs against the summation order the module documents, bit for
//! bit, and against the other paths that fuse as it does; each sample's results alone against
//! the same sample anywhere in a batch.

use super::{Isa, forward, input_grad, isa, paths, weight_grad};

/// `s + a · b` as `isa` computes it.
fn madd(isa: Isa, s: f32, a: f32, b: f32) -> f32 {
    if super::fuses(isa) {
        libm::fmaf(a, b, s)
    } else {
        s + a * b
    }
}

/// Values in [-1, 1) from a fixed sequence (xorshift), with some exact zeros and negative zeros.
pub(super) fn fill(values: &mut [f32], seed: u32) {
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    for v in values {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        *v = match state % 29 {
            0 => 0.0,
            1 => -0.0,
            _ => (state >> 8) as f32 / (1 << 23) as f32 - 1.0,
        };
    }
}

/// The forward of one sample in the documented order.
fn forward_reference(isa: Isa, w: &[f32], bias: Option<f32>, x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    for (i, (&w, &x)) in w.iter().zip(x).enumerate() {
        lanes[i % 8] = madd(isa, lanes[i % 8], w, x);
    }
    let l = lanes;
    let sum = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
    bias.map_or(sum, |b| sum + b)
}

/// The (k, out) shapes tried: remainders of every tile and vector.
const SHAPES: [(usize, usize); 13] = [
    (0, 3),
    (3, 0),
    (1, 1),
    (6, 2),
    (7, 5),
    (11, 3),
    (18, 5),
    (8, 4),
    (9, 13),
    (25, 9),
    (37, 6),
    (64, 16),
    (100, 17),
];

/// The largest batch tried.
const MAX_BATCH: usize = 13;

/// The largest `k · out`, `k` and `out` of [`SHAPES`].
const MAX_W: usize = 1700;
const MAX_K: usize = 100;
const MAX_OUT: usize = 17;

/// Checks the three products of one layer shape on one path, for batches of 1 to
/// `MAX_BATCH`: each output against the documented order, and each sample's results against
/// the same sample run alone.
fn check(isa: Isa, w: &[f32], bias: &[f32], xs: &[f32], dys: &[f32], k: usize, out: usize) {
    let batch_max = rows(xs.len(), k).max(rows(dys.len(), out));
    for batch in 1..=batch_max {
        let (x, dy) = (&xs[..batch * k], &dys[..batch * out]);
        // Forward, with and without bias.
        for bias in [Some(bias), None] {
            let mut y = [0.0; MAX_BATCH * MAX_OUT];
            let y = &mut y[..batch * out];
            forward(isa, w, bias, x, y, k, out);
            for b in 0..batch {
                let mut alone = [0.0; MAX_OUT];
                let alone = &mut alone[..out];
                forward(isa, w, bias, &x[b * k..][..k], alone, k, out);
                for o in 0..out {
                    let expected = forward_reference(
                        isa,
                        &w[o * k..][..k],
                        bias.map(|b| b[o]),
                        &x[b * k..][..k],
                    );
                    let got = y[b * out + o];
                    assert_eq!(
                        got.to_bits(),
                        expected.to_bits(),
                        "{isa:?} forward {k}x{out} batch {batch} sample {b} output {o}"
                    );
                    assert_eq!(
                        alone[o].to_bits(),
                        got.to_bits(),
                        "{isa:?} forward alone {k}x{out}"
                    );
                }
            }
        }
        // Input gradient.
        let mut dx = [f32::NAN; MAX_BATCH * MAX_K];
        let dx = &mut dx[..batch * k];
        input_grad(isa, w, dy, dx, k, out);
        for b in 0..batch {
            let mut alone = [f32::NAN; MAX_K];
            let alone = &mut alone[..k];
            input_grad(isa, w, &dy[b * out..][..out], alone, k, out);
            for i in 0..k {
                let expected =
                    (0..out).fold(0.0, |s, o| madd(isa, s, dy[b * out + o], w[o * k + i]));
                let got = dx[b * k + i];
                assert_eq!(
                    got.to_bits(),
                    expected.to_bits(),
                    "{isa:?} input grad {k}x{out} batch {batch} sample {b} input {i}"
                );
                assert_eq!(
                    alone[i].to_bits(),
                    got.to_bits(),
                    "{isa:?} input grad alone {k}x{out}"
                );
            }
        }
        // Weight gradient onto a non-zero start: the whole batch at once, one sample at a time,
        // and split in two at every point.
        let mut start = [0.0; MAX_W];
        let start = &mut start[..k * out];
        fill(start, 99);
        let mut whole = [0.0; MAX_W];
        let whole = &mut whole[..k * out];
        whole.copy_from_slice(start);
        weight_grad(isa, whole, dy, x, k, out);
        for (j, &got) in whole.iter().enumerate() {
            let (o, i) = (j / k, j % k);
            let expected =
                (0..batch).fold(start[j], |s, b| madd(isa, s, dy[b * out + o], x[b * k + i]));
            assert_eq!(
                got.to_bits(),
                expected.to_bits(),
                "{isa:?} weight grad {k}x{out} batch {batch} at {o},{i}"
            );
        }
        for split in 0..=batch {
            let mut parts = [0.0; MAX_W];
            let parts = &mut parts[..k * out];
            parts.copy_from_slice(start);
            weight_grad(isa, parts, &dy[..split * out], &x[..split * k], k, out);
            weight_grad(isa, parts, &dy[split * out..], &x[split * k..], k, out);
            assert!(
                parts
                    .iter()
                    .zip(&*whole)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{isa:?} weight grad {k}x{out} split at {split} of {batch}"
            );
        }
    }
}

/// Rows of `width` in `len` floats.
fn rows(len: usize, width: usize) -> usize {
    len.checked_div(width).unwrap_or(0)
}

#[test]
fn every_path_sums_in_the_documented_order_whatever_the_batch() {
    for isa in paths() {
        for (seed, &(k, out)) in SHAPES.iter().enumerate() {
            let seed = seed as u32 * 4;
            let (mut w, mut bias) = ([0.0; MAX_W], [0.0; MAX_OUT]);
            let (mut xs, mut dys) = ([0.0; MAX_BATCH * MAX_K], [0.0; MAX_BATCH * MAX_OUT]);
            let (w, bias) = (&mut w[..k * out], &mut bias[..out]);
            let (xs, dys) = (&mut xs[..MAX_BATCH * k], &mut dys[..MAX_BATCH * out]);
            fill(w, seed);
            fill(bias, seed + 1);
            fill(xs, seed + 2);
            fill(dys, seed + 3);
            check(isa, w, bias, xs, dys, k, out);
        }
    }
}

/// Layers wide enough that the forward walks their rows in several blocks, or at the edge of
/// the transposed panels, with input columns covering full and partial tiles.
#[cfg(feature = "alloc")]
#[test]
fn wide_layers_keep_the_order() {
    use alloc::vec;
    // Rows in several blocks; and the widest input a transposed panel takes, and one more.
    let shapes = [(9001, 11, 10), (1024, 33, 7), (1025, 17, 5)];
    for (isa, (k, out, batch)) in paths().flat_map(|isa| shapes.map(|shape| (isa, shape))) {
        let (mut w, mut bias, mut xs, mut dys) = (
            vec![0.0; k * out],
            vec![0.0; out],
            vec![0.0; batch * k],
            vec![0.0; batch * out],
        );
        fill(&mut w, 1);
        fill(&mut bias, 2);
        fill(&mut xs, 3);
        fill(&mut dys, 4);
        let mut y = vec![0.0; batch * out];
        forward(isa, &w, Some(&bias), &xs, &mut y, k, out);
        for b in 0..batch {
            for o in 0..out {
                let expected =
                    forward_reference(isa, &w[o * k..][..k], Some(bias[o]), &xs[b * k..][..k]);
                assert_eq!(
                    y[b * out + o].to_bits(),
                    expected.to_bits(),
                    "{isa:?} sample {b} output {o}"
                );
            }
        }
        let mut dx = vec![0.0; batch * k];
        input_grad(isa, &w, &dys, &mut dx, k, out);
        let mut dw = vec![0.0; k * out];
        weight_grad(isa, &mut dw, &dys, &xs, k, out);
        for b in 0..batch {
            let mut alone = vec![0.0; k];
            input_grad(isa, &w, &dys[b * out..][..out], &mut alone, k, out);
            assert_eq!(alone, dx[b * k..][..k], "{isa:?} input grad of sample {b}");
        }
        let mut one_by_one = vec![0.0; k * out];
        for b in 0..batch {
            weight_grad(
                isa,
                &mut one_by_one,
                &dys[b * out..][..out],
                &xs[b * k..][..k],
                k,
                out,
            );
        }
        assert_eq!(one_by_one, dw, "{isa:?} weight grad sample by sample");
    }
}

/// The kernels run the most preferred path this CPU supports: on aarch64, NEON.
#[test]
fn the_kernels_run_the_best_path() {
    assert_eq!(Some(isa()), paths().last());
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    assert_eq!(isa(), Isa::Neon);
}

/// The three products of a batch of `MAX_BATCH` on `isa`, as bits.
fn products(isa: Isa, k: usize, out: usize, seed: u32) -> [[u32; MAX_W]; 3] {
    let (mut w, mut bias) = ([0.0; MAX_W], [0.0; MAX_OUT]);
    let (mut xs, mut dys) = ([0.0; MAX_BATCH * MAX_K], [0.0; MAX_BATCH * MAX_OUT]);
    let (w, bias) = (&mut w[..k * out], &mut bias[..out]);
    let (xs, dys) = (&mut xs[..MAX_BATCH * k], &mut dys[..MAX_BATCH * out]);
    fill(w, seed);
    fill(bias, seed + 1);
    fill(xs, seed + 2);
    fill(dys, seed + 3);
    let (mut y, mut dx, mut dw) = ([0.0; MAX_W], [0.0; MAX_W], [0.0; MAX_W]);
    forward(isa, w, Some(bias), xs, &mut y[..MAX_BATCH * out], k, out);
    input_grad(isa, w, dys, &mut dx[..MAX_BATCH * k], k, out);
    fill(&mut dw[..k * out], seed + 4);
    weight_grad(isa, &mut dw[..k * out], dys, xs, k, out);
    [y, dx, dw].map(|v| v.map(f32::to_bits))
}

/// Paths that compute alike (all fused, or none) give the same bits: with the `libm` feature,
/// where none fuses, every path gives the portable one's.
#[test]
fn paths_that_compute_alike_give_the_same_bits() {
    #[cfg(feature = "libm")]
    assert!(paths().all(|isa| !super::fuses(isa)));
    for (seed, &(k, out)) in SHAPES.iter().enumerate() {
        let seed = seed as u32 * 8;
        for isa in paths() {
            let alike = paths().find(|&first| super::fuses(first) == super::fuses(isa));
            let alike = alike.expect("`isa` itself");
            assert!(
                products(isa, k, out, seed) == products(alike, k, out, seed),
                "{isa:?} and {alike:?} differ on {k}x{out}"
            );
        }
    }
}

/// A strided product started from zero or from a value a row gives the bits of one started
/// from `c` filled with them, on every path, whatever `c` held.
#[cfg(feature = "alloc")]
#[test]
fn a_start_in_place_of_c_gives_the_bits_of_filling_c() {
    use super::{Start, Strided, accumulate, accumulate_from};
    use alloc::vec;
    // 5 rows (a tile of 2 or 4 and the rest), 37 columns (whole vectors and some lanes), in 3
    // products; then columns narrower than a vector, products side by side.
    for (n, repeat) in [(37, 3), (5, 7)] {
        let (m, k) = (5, 9);
        let (mut a, mut b, mut bias) = (vec![0.0; m * k], vec![0.0; repeat * k * n], [0.0; 5]);
        fill(&mut a, 21);
        fill(&mut b, 22);
        fill(&mut bias, 23);
        let p = Strided {
            a: &a,
            a_row: k,
            a_gap: 1,
            b: &b,
            b_rows: &[0],
            b_gap: n,
            ldc: n,
            m,
            n,
            k,
            repeat,
            b_next: k * n,
            c_next: m * n,
        };
        for isa in paths() {
            for (start, rows) in [(Start::Zero, [0.0; 5]), (Start::Rows(&bias), bias)] {
                let mut filled = vec![0.0; repeat * m * n];
                for (i, v) in filled.iter_mut().enumerate() {
                    *v = rows[(i / n) % m];
                }
                accumulate(isa, &p, &mut filled);
                let mut started = vec![f32::NAN; repeat * m * n];
                accumulate_from(isa, &p, start, &mut started);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<vec::Vec<_>>();
                assert_eq!(bits(&started), bits(&filled), "{isa:?} {start:?} n={n}");
            }
        }
    }
}

#[test]
#[should_panic(expected = "mismatched sizes")]
fn mismatched_sizes_panic() {
    let mut y = [0.0; 3];
    forward(isa(), &[0.0; 6], None, &[0.0; 4], &mut y, 2, 3);
}

/// Split over threads, every product gives the bits of one thread.
#[cfg(feature = "rayon")]
#[test]
fn threads_give_the_bits_of_one() {
    use alloc::vec;
    let (k, out, batch) = (300, 170, 120);
    let (mut w, mut xs, mut dys) = (
        vec![0.0; k * out],
        vec![0.0; batch * k],
        vec![0.0; batch * out],
    );
    fill(&mut w, 5);
    fill(&mut xs, 6);
    fill(&mut dys, 7);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let (mut y, mut dx, mut dw) = (
                vec![0.0; batch * out],
                vec![0.0; batch * k],
                vec![0.5; k * out],
            );
            forward(isa(), &w, None, &xs, &mut y, k, out);
            input_grad(isa(), &w, &dys, &mut dx, k, out);
            weight_grad(isa(), &mut dw, &dys, &xs, k, out);
            [y, dx, dw].map(|v| {
                v.iter()
                    .map(|x| x.to_bits())
                    .collect::<alloc::vec::Vec<_>>()
            })
        })
    };
    assert!(run(1) == run(3), "three threads differ from one");
}
