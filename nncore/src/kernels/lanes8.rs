//! Sums in eight lanes over rows ([`lanes8`]), as the small convolutions' weight
//! gradient takes them: for each tap, lane `l` adds the products of the columns `≡ l (mod 8)`,
//! row after row. Each product is rounded, then added (unfused on every instruction set), and
//! a lane past the end of a row adds `+0 · +0`, which leaves it as it is (a lane starts at `+0`
//! and so never holds `-0`): every instruction set gives the same bits.
//!
//! The taps' sums stay in registers, eight taps at a time, while the rows go by.

use super::Isa;
#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
use super::lanes::Neon;
use super::lanes::{Lanes, Portable};

/// The operands of [`lanes8`]: `rows` rows of `n` floats of `a`, `a_row` apart, against
/// the rows of each tap `t` of `b`, row `r` at `r · b_row + offsets[t]`.
pub(crate) struct Rows<'a> {
    pub(crate) a: &'a [f32],
    pub(crate) a_row: usize,
    pub(crate) b: &'a [f32],
    pub(crate) b_row: usize,
    pub(crate) offsets: &'a [usize],
    pub(crate) rows: usize,
    pub(crate) n: usize,
}

impl Rows<'_> {
    /// Whether every row read is inside `a` and `b`.
    fn fits(&self) -> bool {
        let Some(last) = self.rows.checked_sub(1) else {
            return true;
        };
        let most = self.offsets.iter().max().copied().unwrap_or(0);
        last * self.a_row + self.n <= self.a.len()
            && last * self.b_row + most + self.n <= self.b.len()
    }
}

/// Taps whose sums a pass keeps in registers.
const TAPS: usize = 8;

/// `sums[t][l] += a[r][i] · b_t[r][i]` for `i ≡ l (mod 8)`, rows in order.
///
/// # Safety
/// `p.fits()`, `sums` has a row per offset, and `V` (of eight lanes, unfused) runs on this CPU.
#[inline(always)]
pub(super) unsafe fn run<V: Lanes>(p: &Rows<'_>, sums: &mut [[f32; 8]]) {
    debug_assert_eq!(V::WIDTH, 8);
    let (a, b) = (p.a.as_ptr(), p.b.as_ptr());
    for (offsets, sums) in p.offsets.chunks(TAPS).zip(sums.chunks_mut(TAPS)) {
        let count = offsets.len();
        // SAFETY: the rows and taps read are those `fits` checked; `sums` has `count` rows.
        unsafe {
            let mut acc = [V::zero(); TAPS];
            for (t, acc) in acc.iter_mut().enumerate().take(count) {
                *acc = V::load(sums[t].as_ptr());
            }
            for r in 0..p.rows {
                let (a, b) = (a.add(r * p.a_row), b.add(r * p.b_row));
                let mut i = 0;
                while i < p.n {
                    let lanes = (p.n - i).min(8);
                    let x = load::<V>(a.add(i), lanes);
                    for (t, acc) in acc.iter_mut().enumerate() {
                        if t < count {
                            let y = load::<V>(b.add(offsets[t] + i), lanes);
                            *acc = acc.madd(x, y);
                        }
                    }
                    i += 8;
                }
            }
            for (t, acc) in acc.iter().enumerate().take(count) {
                acc.store(sums[t].as_mut_ptr());
            }
        }
    }
}

/// Eight floats from `p`, or the first `lanes` and zeros.
///
/// # Safety
/// `lanes.min(8)` floats from `p` are readable.
#[inline(always)]
unsafe fn load<V: Lanes>(p: *const f32, lanes: usize) -> V {
    // SAFETY: the caller's.
    unsafe {
        if lanes >= 8 {
            V::load(p)
        } else {
            V::load_partial(p, lanes)
        }
    }
}

/// See [`lanes8`]: `isa`'s unfused eight lanes.
fn dispatch(isa: Isa, p: &Rows<'_>, sums: &mut [[f32; 8]]) {
    match isa {
        // SAFETY: the caller checked `fits` and the sums; the portable lanes run anywhere.
        Isa::Portable => unsafe { run::<Portable>(p, sums) },
        // SAFETY: as above, and a vector path is chosen only where the CPU has it (AVX-512's
        // includes AVX2).
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { x86::avx2(p, sums) },
        // SAFETY: as above.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { x86::avx2(p, sums) },
        // SAFETY: as above; NEON is part of the build's target.
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => unsafe { run::<Neon<false>>(p, sums) },
    }
}

/// The x86 entry point: AVX2 registers, unfused.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Rows, run};
    use crate::kernels::lanes::Avx2;

    /// [`run`] with AVX2 enabled (AVX-512 CPUs take it too: eight lanes are what it sums in).
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn avx2(p: &Rows<'_>, sums: &mut [[f32; 8]]) {
        // SAFETY: the caller's.
        unsafe { run::<Avx2<false>>(p, sums) }
    }
}

/// `sums[t][l] += Σ a[r][i] · b_t[r][i]` over the rows `r` in order and the columns `i ≡ l
/// (mod 8)` in order, for each tap `t` of `p` ([`Rows`]): each product rounded, then added, on
/// every instruction set.
pub(crate) fn lanes8(isa: Isa, p: &Rows<'_>, sums: &mut [[f32; 8]]) {
    assert!(
        p.fits() && sums.len() == p.offsets.len(),
        "kernels::lanes8: mismatched sizes"
    );
    dispatch(isa, p, sums);
}
