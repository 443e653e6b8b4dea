//! Square blocks of lanes transposed in registers: how a tile of samples turns from rows (one
//! sample's features in a vector) into columns (one feature of every sample) and back.

use super::lanes::{Lanes, Portable};

/// Lanes that come in square blocks of `WIDTH` vectors, and transpose.
pub(crate) trait Transpose: Lanes {
    /// `WIDTH` vectors.
    type Block: Copy + AsRef<[Self]> + AsMut<[Self]>;
    /// A block of zeros.
    fn zeros() -> Self::Block;
    /// Lane `j` of vector `i` becomes lane `i` of vector `j`.
    fn transpose(block: Self::Block) -> Self::Block;
}

impl Transpose for Portable {
    type Block = [Self; 8];

    #[inline(always)]
    fn zeros() -> Self::Block {
        [Self::zero(); 8]
    }

    #[inline(always)]
    fn transpose(block: Self::Block) -> Self::Block {
        core::array::from_fn(|j| Portable(core::array::from_fn(|i| block[i].0[j])))
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::{
        _mm256_permute2f128_ps, _mm256_shuffle_ps, _mm256_unpackhi_ps, _mm256_unpacklo_ps,
    };

    use super::super::lanes::{Avx2, Lanes};
    use super::Transpose;

    // SAFETY (the intrinsics below): AVX is present wherever an `Avx2` exists.
    impl<const FUSED: bool> Transpose for Avx2<FUSED> {
        type Block = [Self; 8];

        #[inline(always)]
        fn zeros() -> Self::Block {
            [Self::zero(); 8]
        }

        #[inline(always)]
        fn transpose(r: Self::Block) -> Self::Block {
            // Plain loops, no closures: those might not inline into the `target_feature`
            // entry points. `t[k]`, `t[k + 1]`: rows `k` and `k + 1` interleaved (`k` even).
            let mut t = [r[0].0; 8];
            for k in (0..8).step_by(2) {
                t[k] = unsafe { _mm256_unpacklo_ps(r[k].0, r[k + 1].0) };
                t[k + 1] = unsafe { _mm256_unpackhi_ps(r[k].0, r[k + 1].0) };
            }
            // `u[4h + c]`: column `c` (low half) and `c + 4` (high half) of rows `4h..4h + 4`.
            let mut u = t;
            for h in [0, 4] {
                let (a, b) = (&t[h..h + 2], &t[h + 2..h + 4]);
                u[h] = unsafe { _mm256_shuffle_ps::<0x44>(a[0], b[0]) };
                u[h + 1] = unsafe { _mm256_shuffle_ps::<0xEE>(a[0], b[0]) };
                u[h + 2] = unsafe { _mm256_shuffle_ps::<0x44>(a[1], b[1]) };
                u[h + 3] = unsafe { _mm256_shuffle_ps::<0xEE>(a[1], b[1]) };
            }
            let mut out = r;
            for c in 0..4 {
                out[c] = Avx2(unsafe { _mm256_permute2f128_ps::<0x20>(u[c], u[c + 4]) });
                out[c + 4] = Avx2(unsafe { _mm256_permute2f128_ps::<0x31>(u[c], u[c + 4]) });
            }
            out
        }
    }
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod x86_512 {
    use core::arch::x86_64::{
        _mm512_castpd_ps, _mm512_castps_pd, _mm512_shuffle_f32x4, _mm512_unpackhi_pd,
        _mm512_unpackhi_ps, _mm512_unpacklo_pd, _mm512_unpacklo_ps,
    };

    use super::super::lanes::{Avx512, Lanes};
    use super::Transpose;

    // SAFETY (the intrinsics below): AVX-512F is present wherever an `Avx512` exists.
    impl<const FUSED: bool> Transpose for Avx512<FUSED> {
        type Block = [Self; 16];

        #[inline(always)]
        fn zeros() -> Self::Block {
            [Self::zero(); 16]
        }

        #[inline(always)]
        fn transpose(r: Self::Block) -> Self::Block {
            // Plain loops, no closures, as for `Avx2`. Within each 128-bit lane: pairs of rows
            // interleaved, then quads.
            let mut s = [r[0].0; 16];
            for k in (0..16).step_by(2) {
                s[k] = unsafe { _mm512_unpacklo_ps(r[k].0, r[k + 1].0) };
                s[k + 1] = unsafe { _mm512_unpackhi_ps(r[k].0, r[k + 1].0) };
            }
            let mut q = s;
            for k in (0..16).step_by(4) {
                for (j, (a, b)) in [(0, 2), (0, 2), (1, 3), (1, 3)].into_iter().enumerate() {
                    q[k + j] = unsafe {
                        let (a, b) = (_mm512_castps_pd(s[k + a]), _mm512_castps_pd(s[k + b]));
                        _mm512_castpd_ps(if j % 2 == 0 {
                            _mm512_unpacklo_pd(a, b)
                        } else {
                            _mm512_unpackhi_pd(a, b)
                        })
                    };
                }
            }
            // Then the 128-bit lanes: between quads of rows 4 apart, then 8 apart.
            let mut h = q;
            for k in [0, 1, 2, 3, 8, 9, 10, 11] {
                h[k] = unsafe { _mm512_shuffle_f32x4::<0x88>(q[k], q[k + 4]) };
                h[k + 4] = unsafe { _mm512_shuffle_f32x4::<0xDD>(q[k], q[k + 4]) };
            }
            let mut out = r;
            for k in 0..8 {
                out[k] = Avx512(unsafe { _mm512_shuffle_f32x4::<0x88>(h[k], h[k + 8]) });
                out[k + 8] = Avx512(unsafe { _mm512_shuffle_f32x4::<0xDD>(h[k], h[k + 8]) });
            }
            out
        }
    }
}

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
mod aarch64 {
    use core::arch::aarch64::{
        float32x4_t, vreinterpretq_f32_f64, vreinterpretq_f64_f32, vtrn1q_f32, vtrn1q_f64,
        vtrn2q_f32, vtrn2q_f64,
    };

    use super::super::lanes::{Lanes, Neon};
    use super::Transpose;

    /// The 4 × 4 block `r` transposed: lane `j` of `r[i]` becomes lane `i` of the result's `j`.
    #[inline(always)]
    fn transpose4(r: [float32x4_t; 4]) -> [float32x4_t; 4] {
        // SAFETY: NEON is part of the build's target (the module's gate).
        unsafe {
            // Rows 0 and 1 interleaved: [r0[0], r1[0], r0[2], r1[2]] and [r0[1], r1[1], ..].
            let (t0, t1) = (vtrn1q_f32(r[0], r[1]), vtrn2q_f32(r[0], r[1]));
            let (t2, t3) = (vtrn1q_f32(r[2], r[3]), vtrn2q_f32(r[2], r[3]));
            // Then pairs of lanes: the low pair of one with the low pair of the other, and so on.
            let pairs = |a: float32x4_t, b: float32x4_t, high: bool| {
                let (a, b) = (vreinterpretq_f64_f32(a), vreinterpretq_f64_f32(b));
                vreinterpretq_f32_f64(if high {
                    vtrn2q_f64(a, b)
                } else {
                    vtrn1q_f64(a, b)
                })
            };
            [
                pairs(t0, t2, false),
                pairs(t1, t3, false),
                pairs(t0, t2, true),
                pairs(t1, t3, true),
            ]
        }
    }

    impl<const FUSED: bool> Transpose for Neon<FUSED> {
        type Block = [Self; 8];

        #[inline(always)]
        fn zeros() -> Self::Block {
            [Self::zero(); 8]
        }

        #[inline(always)]
        fn transpose(r: Self::Block) -> Self::Block {
            // Four 4 × 4 blocks: rows 0–3 or 4–7, lanes 0–3 (`.0`) or 4–7 (`.1`).
            let quad = |rows: usize, high: bool| {
                let q = &r[rows..rows + 4];
                transpose4(if high {
                    [q[0].1, q[1].1, q[2].1, q[3].1]
                } else {
                    [q[0].0, q[1].0, q[2].0, q[3].0]
                })
            };
            let (top_low, bottom_low) = (quad(0, false), quad(4, false));
            let (top_high, bottom_high) = (quad(0, true), quad(4, true));
            let mut out = r;
            for j in 0..4 {
                out[j] = Neon(top_low[j], bottom_low[j]);
                out[j + 4] = Neon(top_high[j], bottom_high[j]);
            }
            out
        }
    }
}
