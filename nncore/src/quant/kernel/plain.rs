//! The int8 products in plain Rust: every target's fallback and the reference the vector and
//! assembly kernels are tested against.

/// [`Kernel::tap`] in plain Rust.
#[inline(always)]
pub(super) fn tap(acc: &mut [i32], w: &[i8], x: &[i8], offset: i32) {
    for ((acc, &w), &x) in acc.iter_mut().zip(w).zip(x) {
        *acc = acc.wrapping_add(w as i32 * (x as i32 + offset));
    }
}

/// The sum of each of `OUT` rows laid end to end in `weight`, wrapping.
#[must_use]
pub(crate) fn row_sums<const OUT: usize>(weight: &[i8]) -> [i32; OUT] {
    let n = weight.len() / OUT.max(1);
    core::array::from_fn(|o| {
        weight[o * n..(o + 1) * n]
            .iter()
            .fold(0i32, |s, &w| s.wrapping_add(w as i32))
    })
}

/// [`Kernel::rows_flat`] in plain Rust: the inputs offset into int16 a block at a time, then
/// two rows at a time over the block, each input loaded once for both.
#[cfg_attr(
    all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)),
    allow(dead_code)
)]
pub(super) fn portable(weight: &[i8], x: &[i8], offset: i32, acc: &mut [i32]) {
    const BLOCK: usize = 256;
    let n = x.len();
    let mut xo = [0i16; BLOCK];
    for start in (0..n).step_by(BLOCK) {
        let len = BLOCK.min(n - start);
        for (o, &x) in xo.iter_mut().zip(&x[start..start + len]) {
            *o = (x as i32 + offset) as i16;
        }
        let xo = &xo[..len];
        let row = |o: usize| &weight[o * n + start..o * n + start + len];
        let last_row = acc.len().saturating_sub(1);
        let mut pairs = acc.chunks_exact_mut(2);
        for (p, acc) in (&mut pairs).enumerate() {
            let (mut a0, mut a1) = (acc[0], acc[1]);
            for ((&w0, &w1), &x) in row(2 * p).iter().zip(row(2 * p + 1)).zip(xo) {
                a0 = a0.wrapping_add(w0 as i32 * x as i32);
                a1 = a1.wrapping_add(w1 as i32 * x as i32);
            }
            acc[0] = a0;
            acc[1] = a1;
        }
        if let [last] = pairs.into_remainder() {
            let w = row(last_row);
            *last = w
                .iter()
                .zip(xo)
                .fold(*last, |a, (&w, &x)| a.wrapping_add(w as i32 * x as i32));
        }
    }
}

/// `Σ w[i] · (x[i] + offset)` in wrapping int32.
#[inline]
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]
pub(super) fn dot(w: &[i8], x: &[i8], offset: i32) -> i32 {
    w.iter().zip(x).fold(0i32, |acc, (&w, &x)| {
        acc.wrapping_add(w as i32 * (x as i32 + offset))
    })
}
