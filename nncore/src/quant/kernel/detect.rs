//! Which kernel runs: the instruction sets this CPU has, or the one [`Kernel::force`] set.

use core::sync::atomic::{AtomicU8, Ordering};

use super::Kernel;

/// The kernel [`Kernel::force`] set, as its index in [`KERNELS`] plus one; 0 for none.
static FORCED: AtomicU8 = AtomicU8::new(0);

/// The kernel the CPU's instruction sets chose where they are found at run time, numbered as
/// in [`FORCED`]; 0 until the first [`Kernel::detect`]. Read once a call in place of a check of
/// each instruction set. Elsewhere the choice is a constant, which leaves the other kernels out
/// of the binary.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
static DETECTED: AtomicU8 = AtomicU8::new(0);

/// Every kernel, in the order [`FORCED`] numbers them.
pub(crate) const KERNELS: [Kernel; 6] = [
    Kernel::Portable,
    Kernel::Avx2,
    Kernel::AvxVnni,
    Kernel::Avx512Vnni,
    Kernel::Dsp,
    Kernel::Neon,
];

impl Kernel {
    /// The fastest kernel this CPU runs: AVX-512 VNNI, else AVX-VNNI, else AVX2 where they are
    /// there (detected at run time with the `std` feature, else where the build targets them),
    /// else the DSP extension where the build targets it, else NEON on AArch64, else portable;
    /// or the kernel [`Kernel::force`] set.
    #[must_use]
    pub fn detect() -> Self {
        if let n @ 1.. = FORCED.load(Ordering::Relaxed) {
            return KERNELS[usize::from(n - 1) % KERNELS.len()];
        }
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        if let n @ 1.. = DETECTED.load(Ordering::Relaxed) {
            return KERNELS[usize::from(n - 1) % KERNELS.len()];
        }
        let kernel = Kernel::fastest();
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        DETECTED.store(number(kernel), Ordering::Relaxed);
        kernel
    }

    /// The fastest kernel this CPU runs (see [`Kernel::detect`]).
    fn fastest() -> Self {
        if avx512_vnni_available() {
            Kernel::Avx512Vnni
        } else if avx_vnni_available() {
            Kernel::AvxVnni
        } else if avx2_available() {
            Kernel::Avx2
        } else if cfg!(nn_arm_dsp) {
            Kernel::Dsp
        } else if cfg!(target_arch = "aarch64") {
            Kernel::Neon
        } else {
            Kernel::Portable
        }
    }

    /// Makes [`Kernel::detect`] return `kernel` from now on, in every thread, or the CPU's
    /// fastest again with `None`: layers that do not take a kernel (a generated model's
    /// `forward`) then run it, to compare kernels or time them. Every kernel gives the same
    /// results; one the CPU lacks runs the portable path.
    pub fn force(kernel: Option<Kernel>) {
        FORCED.store(kernel.map_or(0, number), Ordering::Relaxed);
    }

    /// Lets the convolutions of [`Kernel::Avx512Vnni`] run their products on AMX tiles where
    /// the CPU has AMX-INT8 and Linux grants them (`true`, the default), or not, in every
    /// thread: the same results either way, to compare the two or time them.
    pub fn allow_amx(allow: bool) {
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        super::Amx::allow(allow);
        #[cfg(not(all(target_arch = "x86_64", nncore_avx512)))]
        let _ = allow;
    }

    /// Whether [`Kernel::Avx512Vnni`]'s convolutions run on AMX tiles in this process: the CPU
    /// has AMX-INT8, Linux granted the process its state (asked on the first call), and
    /// [`Kernel::allow_amx`] has not turned them off.
    #[must_use]
    pub fn amx() -> bool {
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        return super::Amx::detect().is_some();
        #[cfg(not(all(target_arch = "x86_64", nncore_avx512)))]
        false
    }
}

/// `kernel`'s index in [`KERNELS`] plus one.
fn number(kernel: Kernel) -> u8 {
    KERNELS.iter().position(|&c| c == kernel).unwrap_or(0) as u8 + 1
}

/// Whether this CPU runs `$feature`s: detected at run time with `std` (once, the answer kept:
/// one load a call, not one a feature), else where the build targets them.
macro_rules! available {
    ($(#[$attr:meta])* $name:ident, $gate:meta, $($feature:tt),+) => {
        $(#[$attr])*
        #[inline]
        #[allow(clippy::incompatible_msrv)]
        pub(crate) fn $name() -> bool {
            #[cfg(all(target_arch = "x86_64", $gate, feature = "std"))]
            {
                // 0 before the first call, then 1 without the features, 2 with them.
                static KNOWN: AtomicU8 = AtomicU8::new(0);
                match KNOWN.load(Ordering::Relaxed) {
                    0 => {
                        let has = $(std::is_x86_feature_detected!($feature))&&+;
                        KNOWN.store(1 + u8::from(has), Ordering::Relaxed);
                        has
                    }
                    known => known == 2,
                }
            }
            #[cfg(all(target_arch = "x86_64", $gate, not(feature = "std")))]
            {
                $(cfg!(target_feature = $feature))&&+
            }
            #[cfg(not(all(target_arch = "x86_64", $gate)))]
            {
                false
            }
        }
    };
}

available!(avx2_available, all(), "avx2");
// The VNNI intrinsics and their feature names are stable from Rust 1.89 (`nncore_avx512`).
available!(avx_vnni_available, nncore_avx512, "avx2", "avxvnni");
available!(
    // Asked only by the kernels of `nncore_avx512` builds.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    avx512_vbmi_available,
    nncore_avx512,
    "avx512f",
    "avx512bw",
    "avx512vbmi"
);
available!(
    avx512_vnni_available,
    nncore_avx512,
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512vnni"
);

// AMX tiles (`amx.rs`): the CPU's bits, and the OS's leave for the process.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod amx {
    use super::{AtomicU8, Ordering};

    /// Proof that this CPU and OS run AMX-INT8 for this process, and that [`Amx::allow`] has not
    /// turned it off.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Amx(());

    /// 0 before the first [`Amx::detect`], then 1 without AMX, 2 with it.
    static KNOWN: AtomicU8 = AtomicU8::new(0);
    /// Whether [`Amx::detect`] may answer yes ([`Amx::allow`]).
    static ALLOWED: AtomicU8 = AtomicU8::new(1);

    impl Amx {
        /// AMX where the CPU has AMX-TILE and AMX-INT8 and Linux grants the process the tiles'
        /// state (asked once, the answer kept), unless [`Amx::allow`] turned it off.
        #[inline]
        pub(crate) fn detect() -> Option<Amx> {
            if ALLOWED.load(Ordering::Relaxed) == 0 {
                return None;
            }
            let known = match KNOWN.load(Ordering::Relaxed) {
                0 => {
                    let has = probe();
                    KNOWN.store(1 + u8::from(has), Ordering::Relaxed);
                    has
                }
                known => known == 2,
            };
            known.then_some(Amx(()))
        }

        /// Lets [`Amx::detect`] find AMX (`true`, the default) or not, in every thread.
        pub(crate) fn allow(allow: bool) {
            ALLOWED.store(u8::from(allow), Ordering::Relaxed);
        }
    }

    /// CPUID's AMX-TILE and AMX-INT8 bits, then Linux's `arch_prctl(ARCH_REQ_XCOMP_PERM,
    /// XFEATURE_XTILEDATA)`, which grants the tiles' state unless the kernel or a signal stack too
    /// small for it refuses.
    #[cfg(target_os = "linux")]
    fn probe() -> bool {
        use core::arch::{asm, x86_64::__cpuid_count};
        // SAFETY: CPUID exists on every x86-64 CPU; leaf 7 is read only where leaf 0 lists it.
        #[allow(unused_unsafe)]
        let edx = unsafe {
            match __cpuid_count(0, 0).eax >= 7 {
                true => __cpuid_count(7, 0).edx,
                false => 0,
            }
        };
        const TILE_AND_INT8: u32 = 3 << 24;
        if edx & TILE_AND_INT8 != TILE_AND_INT8 {
            return false;
        }
        let (arch_prctl, req_xcomp_perm, xtiledata) = (158i64, 0x1023i64, 18i64);
        let result: i64;
        // SAFETY: the system call changes only which state the process may use.
        unsafe {
            asm!(
                "syscall",
                inlateout("rax") arch_prctl => result,
                in("rdi") req_xcomp_perm,
                in("rsi") xtiledata,
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        result == 0
    }

    /// Elsewhere the OS's permission cannot be asked for.
    #[cfg(not(target_os = "linux"))]
    fn probe() -> bool {
        false
    }
}
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) use amx::Amx;
