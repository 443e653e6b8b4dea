//! The forward of a dense layer on the single-precision FPU of Arm microcontrollers (Cortex-M4F,
//! M7, M33 with the hard-float ABI): one weight row at a time, its eight lanes in registers
//! `s16`–`s23`, eight inputs and eight weights a step each loaded by one `VLDM`, and `VMLA`
//! (which rounds the product before adding it, as the portable lanes do) into each lane: 1.5
//! instructions a multiply-add. The lanes, the partial last step and the final sum follow the
//! portable path's order (the parent module), so the results are the same bits.

use core::arch::asm;

use super::Product;
use super::lanes::LANES;

/// `y[b][o] = bias[o] + Σᵢ w[o][i] x[b][i]` for every sample and row of `p`.
///
/// # Safety
/// The slices hold the sizes `p` states; `y` is `batch × out`.
pub(super) unsafe fn forward(p: &Product<'_>, bias: Option<&[f32]>, y: &mut [f32]) {
    let k = p.k;
    let full = k / LANES;
    for (x, y) in p.x.chunks_exact(k).zip(y.chunks_exact_mut(p.out)) {
        for (o, (w, y)) in p.w.chunks_exact(k).zip(y.iter_mut()).enumerate() {
            let mut lanes = [0.0f32; LANES];
            if full > 0 {
                // SAFETY: the row and the sample hold `k ≥ 8 · full` floats.
                lanes = unsafe { row_lanes(w.as_ptr(), x.as_ptr(), full) };
            }
            let tail = full * LANES;
            for (j, (&w, &x)) in w[tail..].iter().zip(&x[tail..]).enumerate() {
                lanes[j] += w * x;
            }
            let [s0, s1, s2, s3, s4, s5, s6, s7] = lanes;
            let v = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
            *y = match bias {
                Some(bias) => v + bias[o],
                None => v,
            };
        }
    }
}

/// The eight lanes of `w · x` over `8 · steps` floats: lane `j` the products of `i ≡ j (mod 8)`
/// in order, from zero.
///
/// The registers it uses are saved and restored around it: the compiler is not told of the
/// FPU's registers on these targets (no `vfp2` target feature), so it cannot spill them itself.
///
/// # Safety
/// `w` and `x` must be readable for `8 · steps` floats; `steps > 0`.
#[inline]
unsafe fn row_lanes(w: *const f32, x: *const f32, steps: usize) -> [f32; LANES] {
    let zero = [0.0f32; LANES];
    let mut lanes = [0.0f32; LANES];
    // SAFETY: the loads stay in the ranges the caller vouches for; `s0`–`s23` are restored.
    unsafe {
        asm!(
            "vpush {{s0-s23}}",
            "vldmia {z}, {{s16-s23}}",
            "2:",
            "vldmia {x}!, {{s0-s7}}",
            "vldmia {w}!, {{s8-s15}}",
            "vmla.f32 s16, s0, s8",
            "vmla.f32 s17, s1, s9",
            "vmla.f32 s18, s2, s10",
            "vmla.f32 s19, s3, s11",
            "vmla.f32 s20, s4, s12",
            "vmla.f32 s21, s5, s13",
            "vmla.f32 s22, s6, s14",
            "vmla.f32 s23, s7, s15",
            "subs {n}, {n}, #1",
            "bne 2b",
            "vstmia {out}, {{s16-s23}}",
            "vpop {{s0-s23}}",
            z = in(reg) zero.as_ptr(),
            out = in(reg) lanes.as_mut_ptr(),
            x = inout(reg) x => _,
            w = inout(reg) w => _,
            n = inout(reg) steps => _,
        );
    }
    lanes
}
