//! The int8 dot products of `FULLY_CONNECTED`: every row of a weight matrix times `x − zx`,
//! summed in wrapping int32, portable or with the CPU's integer multiply-add (AVX2 on x86-64,
//! the DSP extension's `SMLAD` on Arm microcontrollers: [`Kernel::Dsp`]).
//!
//! Both paths compute the same sum exactly: the inputs are first offset into int16 (`x − zx` is
//! within ±255), each product of an int8 weight and an int16 input fits in int32 (`|w · x| ≤ 128
//! · 255`), and wrapping int32 addition is associative, so the order of the additions does not
//! change the result. AVX2's `_mm256_madd_epi16` multiplies sixteen int16 pairs and adds them
//! two by two into eight int32 lanes; `_mm256_maddubs_epi16`, which multiplies bytes directly,
//! saturates its int16 sums and is not used.

/// Which dot products a layer runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Plain Rust, for every target (the compiler vectorizes it where it can); on bare-metal Arm
    /// cores without the DSP extension (Cortex-M0, M3) a loop in assembly that keeps Thumb-1's
    /// eight registers from spilling.
    Portable,
    /// x86-64 AVX2: sixteen multiply-adds an instruction. Where the CPU lacks AVX2, the portable
    /// path runs instead.
    Avx2,
    /// Arm's DSP extension (Cortex-M4, M7, M33, M55; built for a `thumbv7em` target): two
    /// multiply-adds an instruction (`SMLAD`), four rows at a time. On other targets the portable
    /// path runs instead.
    Dsp,
}

impl Kernel {
    /// The fastest kernel this CPU runs: AVX2 where it is there (detected at run time with the
    /// `std` feature, else where the build targets it), else portable.
    #[must_use]
    pub fn detect() -> Self {
        if avx2_available() {
            Kernel::Avx2
        } else if cfg!(nn_arm_dsp) {
            Kernel::Dsp
        } else {
            Kernel::Portable
        }
    }

    /// Adds to `acc[o]` the dot product of `weight[o]` with `x` offset by `offset`, for every
    /// row `o`, wrapping.
    ///
    /// `offset` is minus the input's zero point, within `[-127, 128]`.
    #[inline]
    pub fn rows<const IN: usize, const OUT: usize>(
        self,
        weight: &[[i8; IN]; OUT],
        x: &[i8; IN],
        offset: i32,
        acc: &mut [i32; OUT],
    ) {
        #[cfg(nn_arm_dsp)]
        if self == Kernel::Dsp {
            arm::rows(weight, x, offset, acc);
            return;
        }
        #[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
        thumb::rows(weight, x, offset, acc);
        #[cfg(not(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp))))]
        self.rows_generic(weight, x, offset, acc);
    }

    /// [`Kernel::rows`] in Rust, with AVX2 where asked and available.
    #[inline]
    #[cfg_attr(
        all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)),
        allow(dead_code)
    )]
    fn rows_generic<const IN: usize, const OUT: usize>(
        self,
        weight: &[[i8; IN]; OUT],
        x: &[i8; IN],
        offset: i32,
        acc: &mut [i32; OUT],
    ) {
        let xo: [i16; IN] = core::array::from_fn(|i| (x[i] as i32 + offset) as i16);
        #[cfg(target_arch = "x86_64")]
        if self == Kernel::Avx2 && avx2_available() {
            // SAFETY: AVX2 is available on this CPU, checked just above.
            unsafe { x86::rows_avx2(weight, &xo, acc) };
            return;
        }
        // Two rows at a time: each input loaded once for both.
        let mut pairs = weight.chunks_exact(2);
        let mut accs = acc.chunks_exact_mut(2);
        for (rows, acc) in (&mut pairs).zip(&mut accs) {
            let (mut a0, mut a1) = (acc[0], acc[1]);
            for ((&w0, &w1), &x) in rows[0].iter().zip(&rows[1]).zip(&xo) {
                a0 = a0.wrapping_add(w0 as i32 * x as i32);
                a1 = a1.wrapping_add(w1 as i32 * x as i32);
            }
            acc[0] = a0;
            acc[1] = a1;
        }
        for (row, acc) in pairs.remainder().iter().zip(accs.into_remainder()) {
            *acc = acc.wrapping_add(dot(row, &xo));
        }
    }
}

/// `Σ w[i] · x[i]` in wrapping int32.
#[inline]
fn dot(w: &[i8], x: &[i16]) -> i32 {
    w.iter()
        .zip(x)
        .fold(0i32, |acc, (&w, &x)| acc.wrapping_add(w as i32 * x as i32))
}

/// Whether this CPU runs AVX2.
#[inline]
fn avx2_available() -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
    {
        cfg!(target_feature = "avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(nn_arm_dsp)]
mod arm;
#[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
mod thumb;

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::{
        __m256i, _mm_add_epi32, _mm_cvtsi128_si32, _mm_loadu_si128, _mm_shuffle_epi32,
        _mm256_add_epi32, _mm256_castsi256_si128, _mm256_cvtepi8_epi16, _mm256_extracti128_si256,
        _mm256_loadu_si256, _mm256_madd_epi16, _mm256_setzero_si256,
    };

    /// Rows taken together, so that each block of `x` is loaded once for all of them.
    const ROWS: usize = 4;

    /// [`super::Kernel::rows`] with AVX2, on inputs already offset.
    ///
    /// # Safety
    /// The CPU must run AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn rows_avx2<const IN: usize, const OUT: usize>(
        weight: &[[i8; IN]; OUT],
        x: &[i16; IN],
        acc: &mut [i32; OUT],
    ) {
        let blocks = IN / 16;
        let mut groups = weight.chunks_exact(ROWS);
        let mut accs = acc.chunks_exact_mut(ROWS);
        for (rows, acc) in (&mut groups).zip(&mut accs) {
            let mut sums = [_mm256_setzero_si256(); ROWS];
            for b in 0..blocks {
                // SAFETY: `16 · b + 16 <= IN`: the 16 values are inside `x` and each row.
                let xv = unsafe { _mm256_loadu_si256(x.as_ptr().add(16 * b).cast()) };
                for (sum, row) in sums.iter_mut().zip(rows) {
                    // SAFETY: as above.
                    let w = unsafe { _mm_loadu_si128(row.as_ptr().add(16 * b).cast()) };
                    *sum = _mm256_add_epi32(*sum, _mm256_madd_epi16(_mm256_cvtepi8_epi16(w), xv));
                }
            }
            for ((acc, sum), row) in acc.iter_mut().zip(sums).zip(rows) {
                let tail = super::dot(&row[16 * blocks..], &x[16 * blocks..]);
                *acc = acc.wrapping_add(horizontal_sum(sum)).wrapping_add(tail);
            }
        }
        for (row, acc) in groups.remainder().iter().zip(accs.into_remainder()) {
            let mut sum = _mm256_setzero_si256();
            for b in 0..blocks {
                // SAFETY: as above.
                let (xv, w) = unsafe {
                    (
                        _mm256_loadu_si256(x.as_ptr().add(16 * b).cast()),
                        _mm_loadu_si128(row.as_ptr().add(16 * b).cast()),
                    )
                };
                sum = _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_cvtepi8_epi16(w), xv));
            }
            let tail = super::dot(&row[16 * blocks..], &x[16 * blocks..]);
            *acc = acc.wrapping_add(horizontal_sum(sum)).wrapping_add(tail);
        }
    }

    /// The eight int32 lanes of `v` added, wrapping.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn horizontal_sum(v: __m256i) -> i32 {
        let half = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        let pairs = _mm_add_epi32(half, _mm_shuffle_epi32::<0b01_00_11_10>(half));
        let one = _mm_add_epi32(pairs, _mm_shuffle_epi32::<0b10_11_00_01>(pairs));
        _mm_cvtsi128_si32(one)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    /// Deterministic int8 values (a linear congruential generator).
    fn values(seed: u32, n: usize) -> impl Iterator<Item = i8> {
        let mut s = seed;
        (0..n).map(move |_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 24) as u8 as i8
        })
    }

    /// Each row's sum computed one product at a time in `i64`, wrapped to int32.
    fn reference<const IN: usize, const OUT: usize>(
        w: &[[i8; IN]; OUT],
        x: &[i8; IN],
        offset: i32,
    ) -> [i32; OUT] {
        core::array::from_fn(|o| {
            let sum: i64 = (0..IN)
                .map(|i| w[o][i] as i64 * (x[i] as i64 + offset as i64))
                .sum();
            sum as i32
        })
    }

    fn check<const IN: usize, const OUT: usize>(seed: u32) {
        let mut v = values(seed, IN * OUT + IN);
        let w: [[i8; IN]; OUT] =
            core::array::from_fn(|_| core::array::from_fn(|_| v.next().unwrap()));
        let x: [i8; IN] = core::array::from_fn(|_| v.next().unwrap());
        // The extremes: every value at an end of int8, and offsets at both ends of their range.
        let extremes: [[i8; IN]; OUT] = [[i8::MIN; IN]; OUT];
        for (w, x) in [
            (&w, x),
            (&extremes, [i8::MIN; IN]),
            (&extremes, [i8::MAX; IN]),
        ] {
            for offset in [-127, -3, 0, 128] {
                let want = reference(w, &x, offset);
                for kernel in [Kernel::Portable, Kernel::Avx2, Kernel::Dsp] {
                    let mut acc = [7; OUT];
                    kernel.rows(w, &x, offset, &mut acc);
                    let got = acc.map(|a| a.wrapping_sub(7));
                    assert_eq!(got, want, "{kernel:?} {IN}×{OUT} offset {offset}");
                }
            }
        }
    }

    #[test]
    fn both_kernels_compute_the_exact_sums() {
        // Lengths below, at and between blocks of 16, row counts around groups of 4.
        check::<1, 1>(1);
        check::<15, 3>(2);
        check::<16, 4>(3);
        check::<33, 5>(4);
        check::<64, 10>(5);
        check::<640, 9>(6);
        // A sum that wraps: 128 · 255 · 70,000 exceeds int32 (its arrays need a larger stack).
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(|| check::<70_000, 1>(7))
            .unwrap()
            .join()
            .unwrap();
    }
}
