//! Which instruction set the kernels run: the sets they are written for, whether this CPU runs
//! each (detected once with `std`), and the choice.

/// The instruction sets the kernels are written for, in order of preference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    /// Eight lanes as plain arrays, unfused: any target.
    Portable,
    /// AVX2 registers, fused multiply-adds unless the `libm` feature is on.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// AVX-512 registers, the same arithmetic as `Avx2` in more lanes: the same bits.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    Avx512,
    /// NEON registers, the arithmetic of `Avx2`: the same bits. Its main tiles keep 18 to 24
    /// of aarch64's 32 vector registers as accumulators.
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    Neon,
}

/// Whether the vector paths fuse their multiply-adds.
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_feature = "neon")
))]
pub(super) const FUSED: bool = !cfg!(feature = "libm");

/// Whether this CPU runs `isa`: detected at run time with `std`, from the target features the
/// build enables without it; NEON is known at compile time.
fn supported(isa: Isa) -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    macro_rules! has {
        ($($feature:tt),*) => { $(std::is_x86_feature_detected!($feature))&&* };
    }
    #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
    macro_rules! has {
        ($($feature:tt),*) => { $(cfg!(target_feature = $feature))&&* };
    }
    match isa {
        Isa::Portable => true,
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => has!("avx2", "fma"),
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => has!("avx512f", "avx2", "fma"),
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => true,
    }
}

/// Whether `isa` fuses its multiply-adds.
#[cfg(test)]
pub(crate) fn fuses(isa: Isa) -> bool {
    match isa {
        Isa::Portable => false,
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => FUSED,
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => FUSED,
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => FUSED,
    }
}

/// Every instruction set, most preferred last.
const ISAS: &[Isa] = &[
    Isa::Portable,
    #[cfg(target_arch = "x86_64")]
    Isa::Avx2,
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    Isa::Avx512,
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    Isa::Neon,
];

/// Every instruction set this CPU runs, for tests to try each.
#[cfg(test)]
pub(crate) fn paths() -> impl Iterator<Item = Isa> {
    ISAS.iter().copied().filter(|&isa| supported(isa))
}

/// The best instruction set this CPU supports.
fn best() -> Isa {
    let best = ISAS.iter().rposition(|&isa| supported(isa));
    ISAS[best.unwrap_or(0)]
}

/// The instruction set the kernels run with: the best this CPU supports, chosen on the first
/// call and kept.
#[cfg(feature = "std")]
#[inline]
pub(crate) fn isa() -> Isa {
    use core::sync::atomic::{AtomicU8, Ordering};
    /// 0 before the choice, then 1 + its index in `ISAS`.
    static CHOSEN: AtomicU8 = AtomicU8::new(0);
    match CHOSEN.load(Ordering::Relaxed) {
        0 => {
            let isa = best();
            let index = ISAS.iter().position(|&i| i == isa).unwrap_or(0);
            CHOSEN.store(index as u8 + 1, Ordering::Relaxed);
            isa
        }
        chosen => ISAS[usize::from(chosen - 1)],
    }
}

/// The instruction set the kernels run with: without `std`, the best the build's target
/// features enable, known at compile time.
#[cfg(not(feature = "std"))]
pub(crate) fn isa() -> Isa {
    best()
}
