//! Elementwise passes: each value computed on its own, split over threads with `rayon`, and
//! compiled for the vector unit the kernels run with.

#[cfg(target_arch = "x86_64")]
use super::Isa;
use super::isa;
#[cfg(feature = "rayon")]
use super::parallel;

/// Runs `f(start, chunk)` on `out` split into chunks of whole `unit`s, `start` the chunk's
/// offset: with the `rayon` feature, a large pass takes rayon's threads. Each value is its own
/// (or each unit's), so the bits do not depend on the split. `f` is compiled for the vector
/// unit [`isa`] chooses ([`in_lanes`]): a large `f` should be `#[inline(always)]` too, or it may
/// be compiled apart, for no vector unit beyond the baseline.
#[inline]
pub(crate) fn elementwise(out: &mut [f32], unit: usize, f: impl Fn(usize, &mut [f32]) + Sync) {
    #[cfg(feature = "rayon")]
    if let Some(per) = parallel::values(out.len(), unit) {
        use rayon::prelude::*;
        out.par_chunks_mut(per).enumerate().for_each(|(i, chunk)| {
            in_lanes(
                #[inline(always)]
                || f(i * per, chunk),
            )
        });
        return;
    }
    let _ = unit;
    in_lanes(
        #[inline(always)]
        || f(0, out),
    );
}

/// Runs `f(x, y)` for each sample `x` and its output `y`, compiled as [`in_lanes`]: with the
/// `rayon` feature, a large batch (counted in the values read and written) splits by samples
/// over rayon's threads. Each output is its own, so the bits do not depend on the split.
#[inline]
pub(crate) fn per_sample<X: Sync, Y: Send>(x: &[X], y: &mut [Y], f: impl Fn(&X, &mut Y) + Sync) {
    #[cfg(feature = "rayon")]
    {
        let unit = (size_of::<X>() + size_of::<Y>())
            .div_ceil(size_of::<f32>())
            .max(1);
        if let Some(per) = parallel::values(y.len() * unit, unit) {
            use rayon::prelude::*;
            let per = per / unit;
            x.par_chunks(per)
                .zip(y.par_chunks_mut(per))
                .for_each(|(x, y)| {
                    in_lanes(
                        #[inline(always)]
                        || x.iter().zip(y).for_each(|(x, y)| f(x, y)),
                    )
                });
            return;
        }
    }
    in_lanes(
        #[inline(always)]
        || x.iter().zip(y).for_each(|(x, y)| f(x, y)),
    );
}

/// Runs `f`, inlined into a function compiled with the features of the instruction set
/// [`isa`] chooses, so that its loops vectorize in that set's registers. The operations are the
/// ones `f` states (Rust never fuses a multiplication and an addition), so are the bits.
#[inline(always)]
pub(crate) fn in_lanes<R>(f: impl FnOnce() -> R) -> R {
    match isa() {
        // SAFETY: AVX-512 (with AVX2 and FMA) is chosen only where the CPU has it.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { x86_lanes::avx512(f) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { x86_lanes::avx2(f) },
        _ => f(),
    }
}

/// The entry points of [`in_lanes`].
#[cfg(target_arch = "x86_64")]
mod x86_lanes {
    /// `f` with AVX-512 enabled.
    #[cfg(nncore_avx512)]
    #[target_feature(enable = "avx512f,avx2,fma")]
    #[allow(clippy::incompatible_msrv)]
    pub(super) unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    /// `f` with AVX2 enabled.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
}

/// Split over threads, a pass writes the values of one thread, each chunk of whole units at
/// its own offset.
#[cfg(all(test, feature = "rayon"))]
mod tests {
    extern crate std;
    use super::{elementwise, parallel, per_sample};
    use std::vec::Vec;

    fn run(threads: usize, n: usize, unit: usize) -> Vec<u32> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            assert_eq!(parallel::values(n, unit).is_some(), threads > 1);
            let mut out = std::vec![f32::NAN; n];
            elementwise(&mut out, unit, |start, chunk| {
                assert!(start % unit == 0 && chunk.len() % unit == 0);
                for (i, v) in chunk.iter_mut().enumerate() {
                    let at = (start + i) as f32;
                    *v = at * 0.37 + at / 3.0;
                }
            });
            out.iter().map(|v| v.to_bits()).collect()
        })
    }

    /// Samples of 1,024 values padded into 1,089 (ResNet-8's 16×32×32 before a stride of 2),
    /// each output marked with its sample's index, on `threads` threads.
    fn per_sample_run(threads: usize, batch: usize) -> Vec<u32> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let xs: Vec<[f32; 1024]> = (0..batch).map(|b| [b as f32; 1024]).collect();
        let mut ys = std::vec![[f32::NAN; 1089]; batch];
        pool.install(|| {
            let split = parallel::values(batch * (1024 + 1089), 1024 + 1089).is_some();
            assert_eq!(split, threads > 1, "{batch} samples, {threads} threads");
            per_sample(&xs, &mut ys, |x, y| {
                y[..1024].copy_from_slice(x);
                y[1024..].fill(-x[0]);
            });
        });
        ys.iter().flatten().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn per_sample_splits_by_whole_samples() {
        let one = per_sample_run(1, 67);
        assert!(one == per_sample_run(2, 67) && one == per_sample_run(3, 67));
        for (b, y) in one.chunks(1089).enumerate() {
            assert_eq!(y[0], (b as f32).to_bits());
            assert_eq!(y[1088], (-(b as f32)).to_bits());
        }
    }

    #[test]
    fn threads_give_the_bits_of_one() {
        // The fewest values that split (ResNet-8's last stack), and planes of 49 on 3 threads.
        for (n, unit, threads) in [(1 << 17, 1, 2), (49 * 4000, 49, 3)] {
            assert!(
                run(1, n, unit) == run(threads, n, unit),
                "{n} values, {threads} threads"
            );
        }
    }
}
