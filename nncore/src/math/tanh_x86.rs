//! [`tanh`](super::tanh)'s f64 evaluation in AVX2 or AVX-512 registers (four or eight f64
//! lanes), each lane the scalar function's operations in its order: the clamp, Horner's scheme
//! for `P` and `Q` (a multiplication then an addition, never fused), `x · p / q`, the rounding
//! to f32, then the saturation select. Eight registers go through together, a step of each in
//! turn: one register's steps all depend on the one before, and the CPU overlaps only as many
//! registers as it sees at once.

use core::arch::x86_64::{
    __m128, __m256d, _CMP_GE_OQ, _mm_and_ps, _mm_andnot_ps, _mm_blendv_ps, _mm_cmp_ps,
    _mm_loadu_si128, _mm_maskload_ps, _mm_maskstore_ps, _mm_or_ps, _mm_set1_ps, _mm256_add_pd,
    _mm256_cvtpd_ps, _mm256_cvtps_pd, _mm256_div_pd, _mm256_max_pd, _mm256_min_pd, _mm256_mul_pd,
    _mm256_set1_pd,
};

use super::tanh::{P, Q, SATURATION, TANH_CLAMP};

/// Registers evaluated together.
const TOGETHER: usize = 8;
const _: () = assert!(
    TOGETHER == 8,
    "the rest of a slice goes in 4, 2 and 1 registers"
);

/// A register of f64 lanes, and the f32 vector its values come from and go to.
trait Wide: Copy {
    /// The f32 vector of as many lanes.
    type Narrow: Copy;
    /// Lanes a register.
    const LANES: usize;
    /// `LANES` floats from `p`.
    unsafe fn load(p: *const f32) -> Self::Narrow;
    /// `n < LANES` floats from `p`, zero in the other lanes.
    unsafe fn load_partial(p: *const f32, n: usize) -> Self::Narrow;
    /// Writes `LANES` floats to `p`.
    unsafe fn store(v: Self::Narrow, p: *mut f32);
    /// Writes the first `n < LANES` lanes to `p`.
    unsafe fn store_partial(v: Self::Narrow, p: *mut f32, n: usize);
    /// Each lane in f64 (exact).
    fn widen(x: Self::Narrow) -> Self;
    /// Every lane `c`.
    fn splat(c: f64) -> Self;
    /// `self.clamp(-bound, bound)`, NaN kept.
    fn clamp(self, bound: f64) -> Self;
    /// `self · other`, `self + other` and `self / other` in each lane, each rounded once.
    fn mul(self, other: Self) -> Self;
    /// See [`Wide::mul`].
    fn add(self, other: Self) -> Self;
    /// See [`Wide::mul`].
    fn div(self, other: Self) -> Self;
    /// `self` rounded to f32 where `|x| < SATURATION` (or `x` is NaN), else ±1 with `x`'s sign.
    fn saturate(self, x: Self::Narrow) -> Self::Narrow;
}

/// `tanh` of `K` registers of values from `x` into `y`.
///
/// # Safety
/// `x` and `y` hold `K · LANES` floats.
#[inline(always)]
unsafe fn registers<V: Wide, const K: usize>(x: *const f32, y: *mut f32) {
    // No closures here or below: they might not inline into the `target_feature` functions.
    // SAFETY (the loads and stores): the caller's.
    let mut xs = [unsafe { V::load(x) }; K];
    for (k, x_k) in xs.iter_mut().enumerate().skip(1) {
        *x_k = unsafe { V::load(x.add(k * V::LANES)) };
    }
    let ys = evaluate::<V, K>(xs);
    for (k, &y_k) in ys.iter().enumerate() {
        unsafe { V::store(y_k, y.add(k * V::LANES)) };
    }
}

/// `tanh` of `K` registers, a step of each in turn.
#[inline(always)]
fn evaluate<V: Wide, const K: usize>(xs: [V::Narrow; K]) -> [V::Narrow; K] {
    let mut x = [V::splat(0.0); K];
    let mut s = [V::splat(0.0); K];
    for ((x, s), &narrow) in x.iter_mut().zip(&mut s).zip(&xs) {
        *x = V::widen(narrow).clamp(TANH_CLAMP);
        *s = x.mul(*x);
    }
    let mut p = [V::splat(P[6]); K];
    for &c in P[..6].iter().rev() {
        for (p, &s) in p.iter_mut().zip(&s) {
            *p = p.mul(s).add(V::splat(c));
        }
    }
    // `x · p` before `Q`, so that `x` and `p` need no registers while it is evaluated.
    let mut xp = x;
    for (xp, &p) in xp.iter_mut().zip(&p) {
        *xp = xp.mul(p);
    }
    let mut q = [V::splat(Q[3]); K];
    for &c in Q[..3].iter().rev() {
        for (q, &s) in q.iter_mut().zip(&s) {
            *q = q.mul(s).add(V::splat(c));
        }
    }
    let mut ys = xs;
    for ((y, &xp), &q) in ys.iter_mut().zip(&xp).zip(&q) {
        *y = xp.div(q).saturate(*y);
    }
    ys
}

/// `ys[i] = tanh(xs[i])` for slices of the same length.
#[inline(always)]
fn slice<V: Wide>(xs: &[f32], ys: &mut [f32]) {
    let n = xs.len().min(ys.len());
    let (x, y) = (xs.as_ptr(), ys.as_mut_ptr());
    let mut i = 0;
    while i + TOGETHER * V::LANES <= n {
        // SAFETY: `i + TOGETHER · LANES <= n`, the length of both slices.
        unsafe { registers::<V, TOGETHER>(x.add(i), y.add(i)) };
        i += TOGETHER * V::LANES;
    }
    // The rest in fewer registers together: 4, 2, then 1.
    if i + 4 * V::LANES <= n {
        // SAFETY: as above.
        unsafe { registers::<V, 4>(x.add(i), y.add(i)) };
        i += 4 * V::LANES;
    }
    if i + 2 * V::LANES <= n {
        // SAFETY: as above.
        unsafe { registers::<V, 2>(x.add(i), y.add(i)) };
        i += 2 * V::LANES;
    }
    if i + V::LANES <= n {
        // SAFETY: as above.
        unsafe { registers::<V, 1>(x.add(i), y.add(i)) };
        i += V::LANES;
    }
    if i < n {
        // SAFETY: `n - i < LANES` floats remain from `i`.
        unsafe {
            let v = evaluate::<V, 1>([V::load_partial(x.add(i), n - i)])[0];
            V::store_partial(v, y.add(i), n - i);
        }
    }
}

/// [`slice`] on AVX2.
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn avx2(xs: &[f32], ys: &mut [f32]) {
    slice::<Avx2>(xs, ys);
}

/// [`slice`] on AVX-512.
///
/// # Safety
/// The CPU has AVX-512F.
#[cfg(nncore_avx512)]
#[target_feature(enable = "avx512f,avx2")]
#[allow(clippy::incompatible_msrv)]
pub(super) unsafe fn avx512(xs: &[f32], ys: &mut [f32]) {
    slice::<x86_512::Avx512>(xs, ys);
}

/// Four f64 lanes. Exists only inside [`avx2`].
#[derive(Clone, Copy)]
struct Avx2(__m256d);

/// The mask of the first `n` of four lanes.
#[inline(always)]
fn mask4(n: usize) -> core::arch::x86_64::__m128i {
    static MASKS: [i32; 8] = [-1, -1, -1, -1, 0, 0, 0, 0];
    // SAFETY: `n <= 4`, so the four `i32`s from `4 - n` are inside `MASKS`.
    unsafe { _mm_loadu_si128(MASKS.as_ptr().add(4 - n).cast()) }
}

// SAFETY (every block below): AVX2 is present wherever an `Avx2` exists; the pointer contracts
// are the caller's, as `Wide` states them.
impl Wide for Avx2 {
    type Narrow = __m128;
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m128 {
        unsafe { core::arch::x86_64::_mm_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, n: usize) -> __m128 {
        unsafe { _mm_maskload_ps(p, mask4(n)) }
    }
    #[inline(always)]
    unsafe fn store(v: __m128, p: *mut f32) {
        unsafe { core::arch::x86_64::_mm_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn store_partial(v: __m128, p: *mut f32, n: usize) {
        unsafe { _mm_maskstore_ps(p, mask4(n), v) }
    }
    #[inline(always)]
    fn widen(x: __m128) -> Self {
        Avx2(unsafe { _mm256_cvtps_pd(x) })
    }
    #[inline(always)]
    fn splat(c: f64) -> Self {
        Avx2(unsafe { _mm256_set1_pd(c) })
    }
    #[inline(always)]
    fn clamp(self, bound: f64) -> Self {
        // `max(a, b)` is `a > b ? a : b`, `min(a, b)` is `a < b ? a : b`: with `x` second, NaN
        // stays, as in `f64::clamp`.
        let low = unsafe { _mm256_max_pd(_mm256_set1_pd(-bound), self.0) };
        Avx2(unsafe { _mm256_min_pd(_mm256_set1_pd(bound), low) })
    }
    #[inline(always)]
    fn mul(self, other: Self) -> Self {
        Avx2(unsafe { _mm256_mul_pd(self.0, other.0) })
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        Avx2(unsafe { _mm256_add_pd(self.0, other.0) })
    }
    #[inline(always)]
    fn div(self, other: Self) -> Self {
        Avx2(unsafe { _mm256_div_pd(self.0, other.0) })
    }
    #[inline(always)]
    fn saturate(self, x: __m128) -> __m128 {
        unsafe {
            let sign = _mm_set1_ps(-0.0);
            let saturated =
                _mm_cmp_ps::<_CMP_GE_OQ>(_mm_andnot_ps(sign, x), _mm_set1_ps(SATURATION));
            let one = _mm_or_ps(_mm_and_ps(sign, x), _mm_set1_ps(1.0));
            _mm_blendv_ps(_mm256_cvtpd_ps(self.0), one, saturated)
        }
    }
}

/// AVX-512 needs Rust 1.89; `build.rs` sets `nncore_avx512` on such compilers.
#[cfg(nncore_avx512)]
#[allow(clippy::incompatible_msrv)]
mod x86_512 {
    use core::arch::x86_64::{
        __m256, __m512d, _CMP_GE_OQ, _mm256_and_ps, _mm256_andnot_ps, _mm256_blendv_ps,
        _mm256_cmp_ps, _mm256_loadu_ps, _mm256_or_ps, _mm256_set1_ps, _mm256_storeu_ps,
        _mm512_add_pd, _mm512_castps256_ps512, _mm512_castps512_ps256, _mm512_cvtpd_ps,
        _mm512_cvtps_pd, _mm512_div_pd, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps,
        _mm512_max_pd, _mm512_min_pd, _mm512_mul_pd, _mm512_set1_pd,
    };

    use super::{SATURATION, Wide};

    /// Eight f64 lanes. Exists only inside [`super::avx512`].
    #[derive(Clone, Copy)]
    pub(super) struct Avx512(__m512d);

    /// The mask of the first `n` lanes.
    #[inline(always)]
    fn mask(n: usize) -> u16 {
        ((1u32 << n) - 1) as u16
    }

    // SAFETY (every block below): AVX-512F (and so AVX) is present wherever an `Avx512`
    // exists; the pointer contracts are the caller's. The masked loads and stores touch only
    // the first `n` floats.
    impl Wide for Avx512 {
        type Narrow = __m256;
        const LANES: usize = 8;

        #[inline(always)]
        unsafe fn load(p: *const f32) -> __m256 {
            unsafe { _mm256_loadu_ps(p) }
        }
        #[inline(always)]
        unsafe fn load_partial(p: *const f32, n: usize) -> __m256 {
            unsafe { _mm512_castps512_ps256(_mm512_maskz_loadu_ps(mask(n), p)) }
        }
        #[inline(always)]
        unsafe fn store(v: __m256, p: *mut f32) {
            unsafe { _mm256_storeu_ps(p, v) }
        }
        #[inline(always)]
        unsafe fn store_partial(v: __m256, p: *mut f32, n: usize) {
            unsafe { _mm512_mask_storeu_ps(p, mask(n), _mm512_castps256_ps512(v)) }
        }
        #[inline(always)]
        fn widen(x: __m256) -> Self {
            Avx512(unsafe { _mm512_cvtps_pd(x) })
        }
        #[inline(always)]
        fn splat(c: f64) -> Self {
            Avx512(unsafe { _mm512_set1_pd(c) })
        }
        #[inline(always)]
        fn clamp(self, bound: f64) -> Self {
            // As for `Avx2`: `x` second, so NaN stays.
            let low = unsafe { _mm512_max_pd(_mm512_set1_pd(-bound), self.0) };
            Avx512(unsafe { _mm512_min_pd(_mm512_set1_pd(bound), low) })
        }
        #[inline(always)]
        fn mul(self, other: Self) -> Self {
            Avx512(unsafe { _mm512_mul_pd(self.0, other.0) })
        }
        #[inline(always)]
        fn add(self, other: Self) -> Self {
            Avx512(unsafe { _mm512_add_pd(self.0, other.0) })
        }
        #[inline(always)]
        fn div(self, other: Self) -> Self {
            Avx512(unsafe { _mm512_div_pd(self.0, other.0) })
        }
        #[inline(always)]
        fn saturate(self, x: __m256) -> __m256 {
            unsafe {
                let sign = _mm256_set1_ps(-0.0);
                let abs = _mm256_andnot_ps(sign, x);
                let saturated = _mm256_cmp_ps::<_CMP_GE_OQ>(abs, _mm256_set1_ps(SATURATION));
                let one = _mm256_or_ps(_mm256_and_ps(sign, x), _mm256_set1_ps(1.0));
                _mm256_blendv_ps(_mm512_cvtpd_ps(self.0), one, saturated)
            }
        }
    }
}
