//! Vectors of `f32` lanes, the unit every kernel computes in: eight as portable arrays, AVX2
//! registers or pairs of NEON registers, sixteen as AVX-512 registers.
//!
//! All give the same bits for the same operations when [`Lanes::madd`] is unfused: each lane
//! is one IEEE operation, and [`Sum8::sum`] adds eight lanes in one fixed tree, the one AVX's
//! horizontal additions (`vhaddps`) and NEON's pairwise ones (`faddp`) build.

/// The lanes of the forward's partial sums.
pub(crate) const LANES: usize = 8;

/// A vector of `WIDTH` `f32` lanes and the operations the kernels use.
///
/// The pointer methods read or write `WIDTH` floats (`n` for the partial forms, `n < WIDTH`);
/// the caller guarantees those floats are in bounds.
pub(crate) trait Lanes: Copy {
    /// The lanes of a vector.
    const WIDTH: usize;
    /// All lanes `+0.0`.
    fn zero() -> Self;
    /// Every lane `v`.
    fn splat(v: f32) -> Self;
    /// `LANES` floats from `p`.
    unsafe fn load(p: *const f32) -> Self;
    /// `n` floats from `p`, the other lanes `+0.0`.
    unsafe fn load_partial(p: *const f32, n: usize) -> Self;
    /// Writes all lanes to `p`.
    unsafe fn store(self, p: *mut f32);
    /// Writes the first `n` lanes to `p`.
    unsafe fn store_partial(self, p: *mut f32, n: usize);
    /// `self + a · b` in each lane: one rounding if fused, two if not.
    fn madd(self, a: Self, b: Self) -> Self;
    /// `self + other` in each lane.
    fn add(self, other: Self) -> Self;
}

/// Eight lanes that add up: the forward's partial sums.
pub(crate) trait Sum8: Lanes {
    /// `((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))`.
    fn sum(self) -> f32;
    /// [`Lanes::sum`] of four vectors at once.
    #[inline(always)]
    fn sum4(v: [Self; 4]) -> [f32; 4] {
        v.map(Self::sum)
    }
}

/// Lanes as a plain array, unfused: LLVM vectorizes it for whatever the target has.
#[derive(Clone, Copy)]
pub(crate) struct Portable(pub(super) [f32; LANES]);

impl Lanes for Portable {
    const WIDTH: usize = LANES;

    #[inline(always)]
    fn zero() -> Self {
        Portable([0.0; LANES])
    }

    #[inline(always)]
    fn splat(v: f32) -> Self {
        Portable([v; LANES])
    }

    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees `LANES` readable floats at `p`.
        Portable(unsafe { p.cast::<[f32; LANES]>().read_unaligned() })
    }

    #[inline(always)]
    unsafe fn load_partial(p: *const f32, n: usize) -> Self {
        let mut lanes = [0.0; LANES];
        // Lane by lane, unrolled (a copy of `n` floats would call `memcpy` in the loops).
        for (i, l) in lanes.iter_mut().enumerate() {
            if i < n {
                // SAFETY: the caller guarantees `n` readable floats at `p`.
                *l = unsafe { *p.add(i) };
            }
        }
        Portable(lanes)
    }

    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees `LANES` writable floats at `p`.
        unsafe { p.cast::<[f32; LANES]>().write_unaligned(self.0) }
    }

    #[inline(always)]
    unsafe fn store_partial(self, p: *mut f32, n: usize) {
        for (i, &l) in self.0.iter().enumerate() {
            if i < n {
                // SAFETY: the caller guarantees `n` writable floats at `p`.
                unsafe { *p.add(i) = l };
            }
        }
    }

    #[inline(always)]
    fn madd(self, a: Self, b: Self) -> Self {
        let mut out = self.0;
        for ((o, a), b) in out.iter_mut().zip(a.0).zip(b.0) {
            *o += a * b;
        }
        Portable(out)
    }

    #[inline(always)]
    fn add(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            *o += b;
        }
        Portable(out)
    }
}

impl Sum8 for Portable {
    #[inline(always)]
    fn sum(self) -> f32 {
        let l = self.0;
        ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
    }
}

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
mod neon;
#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
pub(crate) use neon::Neon;
#[cfg(target_arch = "x86_64")]
pub(crate) use x86::Avx2;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use x86::sum4;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use x86_512::Avx512;

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::{
        __m128, __m256, __m256i, _mm_add_ps, _mm_add_ss, _mm_cvtss_f32, _mm_storeu_ps,
        _mm256_add_ps, _mm256_castps256_ps128, _mm256_extractf128_ps, _mm256_fmadd_ps,
        _mm256_hadd_ps, _mm256_loadu_ps, _mm256_loadu_si256, _mm256_maskload_ps,
        _mm256_maskstore_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };

    use super::{LANES, Lanes, Sum8};

    /// Lanes in an AVX register; `madd` is one fused multiply-add if `FUSED`.
    ///
    /// Its methods run AVX2 and FMA instructions: a value exists only inside the kernels'
    /// `#[target_feature(enable = "avx2,fma")]` entry points, which are called only once the
    /// CPU is known to have both (`super::super::isa`), and into which these methods inline.
    #[derive(Clone, Copy)]
    pub(crate) struct Avx2<const FUSED: bool>(pub(in crate::kernels) __m256);

    /// [`Sum8::sum`] of four registers at once.
    ///
    /// # Safety
    /// AVX is present.
    #[inline(always)]
    pub(crate) unsafe fn sum4(v: [__m256; 4]) -> [f32; 4] {
        // SAFETY: the caller's.
        unsafe {
            // Lane j of the low half: vector j's (l0 + l1) + (l2 + l3); of the high half, its
            // (l4 + l5) + (l6 + l7).
            let quads = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
            let sums: __m128 = _mm_add_ps(
                _mm256_castps256_ps128(quads),
                _mm256_extractf128_ps::<1>(quads),
            );
            let mut out = [0.0; 4];
            _mm_storeu_ps(out.as_mut_ptr(), sums);
            out
        }
    }

    /// Masks for the partial loads and stores: `MASKS[8 - n..]` selects the first `n` lanes.
    static MASKS: [i32; 2 * LANES] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

    /// The mask selecting the first `n` lanes.
    #[inline(always)]
    fn mask(n: usize) -> __m256i {
        // SAFETY: `n <= LANES`, so the eight `i32`s from `LANES - n` are inside `MASKS`; AVX is
        // present (see `Avx2`).
        unsafe { _mm256_loadu_si256(MASKS.as_ptr().add(LANES - n).cast()) }
    }

    // SAFETY (every block below): AVX2 and FMA are present wherever an `Avx2` exists, and the
    // pointer contracts are the caller's, as `Lanes` states them.
    impl<const FUSED: bool> Lanes for Avx2<FUSED> {
        const WIDTH: usize = LANES;

        #[inline(always)]
        fn zero() -> Self {
            Avx2(unsafe { _mm256_setzero_ps() })
        }

        #[inline(always)]
        fn splat(v: f32) -> Self {
            Avx2(unsafe { _mm256_set1_ps(v) })
        }

        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            Avx2(unsafe { _mm256_loadu_ps(p) })
        }

        #[inline(always)]
        unsafe fn load_partial(p: *const f32, n: usize) -> Self {
            Avx2(unsafe { _mm256_maskload_ps(p, mask(n)) })
        }

        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            unsafe { _mm256_storeu_ps(p, self.0) }
        }

        #[inline(always)]
        unsafe fn store_partial(self, p: *mut f32, n: usize) {
            unsafe { _mm256_maskstore_ps(p, mask(n), self.0) }
        }

        #[inline(always)]
        fn madd(self, a: Self, b: Self) -> Self {
            if FUSED {
                Avx2(unsafe { _mm256_fmadd_ps(a.0, b.0, self.0) })
            } else {
                Avx2(unsafe { _mm256_add_ps(self.0, _mm256_mul_ps(a.0, b.0)) })
            }
        }

        #[inline(always)]
        fn add(self, other: Self) -> Self {
            Avx2(unsafe { _mm256_add_ps(self.0, other.0) })
        }
    }

    // SAFETY: as above.
    impl<const FUSED: bool> Sum8 for Avx2<FUSED> {
        #[inline(always)]
        fn sum(self) -> f32 {
            unsafe {
                // [(l0 + l1) + (l2 + l3), .. | (l4 + l5) + (l6 + l7), ..]
                let pairs = _mm256_hadd_ps(self.0, self.0);
                let quads = _mm256_hadd_ps(pairs, pairs);
                _mm_cvtss_f32(_mm_add_ss(
                    _mm256_castps256_ps128(quads),
                    _mm256_extractf128_ps::<1>(quads),
                ))
            }
        }

        #[inline(always)]
        fn sum4(v: [Self; 4]) -> [f32; 4] {
            // SAFETY: AVX is present.
            unsafe { sum4([v[0].0, v[1].0, v[2].0, v[3].0]) }
        }
    }
}

/// AVX-512 needs Rust 1.89; `build.rs` sets `nncore_avx512` on such compilers.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod x86_512 {
    use core::arch::x86_64::{
        __m512, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mask_storeu_ps,
        _mm512_maskz_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
    };

    use super::Lanes;

    /// Sixteen lanes in an AVX-512 register; `madd` is one fused multiply-add if `FUSED`.
    ///
    /// As for `Avx2`: a value exists only inside the kernels' AVX-512 entry points, called once
    /// the CPU is known to have AVX-512F (and AVX2 and FMA).
    #[derive(Clone, Copy)]
    pub(crate) struct Avx512<const FUSED: bool>(pub(in crate::kernels) __m512);

    /// The mask selecting the first `n` of sixteen lanes.
    #[inline(always)]
    fn mask(n: usize) -> u16 {
        ((1u32 << n) - 1) as u16
    }

    // SAFETY (every block below): AVX-512F is present wherever an `Avx512` exists, and the
    // pointer contracts are the caller's, as `Lanes` states them.
    impl<const FUSED: bool> Lanes for Avx512<FUSED> {
        const WIDTH: usize = 16;

        #[inline(always)]
        fn zero() -> Self {
            Avx512(unsafe { _mm512_setzero_ps() })
        }

        #[inline(always)]
        fn splat(v: f32) -> Self {
            Avx512(unsafe { _mm512_set1_ps(v) })
        }

        #[inline(always)]
        unsafe fn load(p: *const f32) -> Self {
            Avx512(unsafe { _mm512_loadu_ps(p) })
        }

        #[inline(always)]
        unsafe fn load_partial(p: *const f32, n: usize) -> Self {
            Avx512(unsafe { _mm512_maskz_loadu_ps(mask(n), p) })
        }

        #[inline(always)]
        unsafe fn store(self, p: *mut f32) {
            unsafe { _mm512_storeu_ps(p, self.0) }
        }

        #[inline(always)]
        unsafe fn store_partial(self, p: *mut f32, n: usize) {
            unsafe { _mm512_mask_storeu_ps(p, mask(n), self.0) }
        }

        #[inline(always)]
        fn madd(self, a: Self, b: Self) -> Self {
            if FUSED {
                Avx512(unsafe { _mm512_fmadd_ps(a.0, b.0, self.0) })
            } else {
                Avx512(unsafe { _mm512_add_ps(self.0, _mm512_mul_ps(a.0, b.0)) })
            }
        }

        #[inline(always)]
        fn add(self, other: Self) -> Self {
            Avx512(unsafe { _mm512_add_ps(self.0, other.0) })
        }
    }
}
