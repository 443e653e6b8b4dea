//! Eight lanes in two NEON registers, lanes 0–3 in the first and 4–7 in the second: aarch64,
//! where NEON is part of the base instruction set, so a value can exist anywhere.

use core::arch::aarch64::{
    float32x4_t, vaddq_f32, vcombine_f32, vdup_n_f32, vdupq_n_f32, vfmaq_f32, vget_low_f32,
    vgetq_lane_f32, vld1_f32, vld1q_f32, vld1q_lane_f32, vmulq_f32, vpaddq_f32, vst1_f32,
    vst1q_f32, vst1q_lane_f32,
};

use super::{LANES, Lanes, Sum8};

/// Eight lanes in two NEON registers; `madd` is one fused multiply-add (`fmla`) if `FUSED`.
#[derive(Clone, Copy)]
pub(crate) struct Neon<const FUSED: bool>(
    pub(in crate::kernels) float32x4_t,
    pub(in crate::kernels) float32x4_t,
);

/// `n` floats from `p` (at most four), the other lanes `+0.0`.
///
/// # Safety
/// `n.min(4)` floats from `p` are readable.
#[inline(always)]
unsafe fn load4(p: *const f32, n: usize) -> float32x4_t {
    // SAFETY: the reads stop at `n`; NEON is present (see the module).
    unsafe {
        let zero = vdupq_n_f32(0.0);
        match n {
            0 => zero,
            1 => vld1q_lane_f32::<0>(p, zero),
            2 => vcombine_f32(vld1_f32(p), vdup_n_f32(0.0)),
            3 => vld1q_lane_f32::<2>(p.add(2), vcombine_f32(vld1_f32(p), vdup_n_f32(0.0))),
            _ => vld1q_f32(p),
        }
    }
}

/// Writes the first `n` lanes of `v` (at most four) to `p`.
///
/// # Safety
/// `n.min(4)` floats from `p` are writable.
#[inline(always)]
unsafe fn store4(p: *mut f32, v: float32x4_t, n: usize) {
    // SAFETY: as in `load4`.
    unsafe {
        match n {
            0 => {}
            1 => vst1q_lane_f32::<0>(p, v),
            2 => vst1_f32(p, vget_low_f32(v)),
            3 => {
                vst1_f32(p, vget_low_f32(v));
                vst1q_lane_f32::<2>(p.add(2), v);
            }
            _ => vst1q_f32(p, v),
        }
    }
}

// SAFETY (every block below): the build enables NEON (`target_feature = "neon"`, which gates
// this module), and the pointer contracts are the caller's, as `Lanes` states them.
impl<const FUSED: bool> Lanes for Neon<FUSED> {
    const WIDTH: usize = LANES;

    #[inline(always)]
    fn zero() -> Self {
        Self::splat(0.0)
    }

    #[inline(always)]
    fn splat(v: f32) -> Self {
        let v = unsafe { vdupq_n_f32(v) };
        Neon(v, v)
    }

    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        unsafe { Neon(vld1q_f32(p), vld1q_f32(p.add(4))) }
    }

    #[inline(always)]
    unsafe fn load_partial(p: *const f32, n: usize) -> Self {
        unsafe {
            if n >= 4 {
                Neon(vld1q_f32(p), load4(p.add(4), n - 4))
            } else {
                Neon(load4(p, n), vdupq_n_f32(0.0))
            }
        }
    }

    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        unsafe {
            vst1q_f32(p, self.0);
            vst1q_f32(p.add(4), self.1);
        }
    }

    #[inline(always)]
    unsafe fn store_partial(self, p: *mut f32, n: usize) {
        unsafe {
            if n >= 4 {
                vst1q_f32(p, self.0);
                store4(p.add(4), self.1, n - 4);
            } else {
                store4(p, self.0, n);
            }
        }
    }

    #[inline(always)]
    fn madd(self, a: Self, b: Self) -> Self {
        unsafe {
            if FUSED {
                Neon(vfmaq_f32(self.0, a.0, b.0), vfmaq_f32(self.1, a.1, b.1))
            } else {
                Neon(
                    vaddq_f32(self.0, vmulq_f32(a.0, b.0)),
                    vaddq_f32(self.1, vmulq_f32(a.1, b.1)),
                )
            }
        }
    }

    #[inline(always)]
    fn add(self, other: Self) -> Self {
        unsafe { Neon(vaddq_f32(self.0, other.0), vaddq_f32(self.1, other.1)) }
    }
}

// SAFETY: as above.
impl<const FUSED: bool> Sum8 for Neon<FUSED> {
    #[inline(always)]
    fn sum(self) -> f32 {
        unsafe {
            // [l0 + l1, l2 + l3, l4 + l5, l6 + l7]
            let pairs = vpaddq_f32(self.0, self.1);
            // [(l0 + l1) + (l2 + l3), (l4 + l5) + (l6 + l7), ..]
            let quads = vpaddq_f32(pairs, pairs);
            vgetq_lane_f32::<0>(quads) + vgetq_lane_f32::<1>(quads)
        }
    }

    #[inline(always)]
    fn sum4(v: [Self; 4]) -> [f32; 4] {
        unsafe {
            // Vector j's [l0 + l1, l2 + l3, l4 + l5, l6 + l7].
            let p = [0, 1, 2, 3].map(|j| vpaddq_f32(v[j].0, v[j].1));
            // Vectors 0 and 1's [(l0 + l1) + (l2 + l3), (l4 + l5) + (l6 + l7)], then 2 and 3's.
            let (q01, q23) = (vpaddq_f32(p[0], p[1]), vpaddq_f32(p[2], p[3]));
            // Lane j: vector j's sum.
            let mut out = [0.0; 4];
            vst1q_f32(out.as_mut_ptr(), vpaddq_f32(q01, q23));
            out
        }
    }
}
