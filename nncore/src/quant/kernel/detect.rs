//! Which of the x86-64 kernels' instruction sets this CPU runs.

/// Whether this CPU runs `$feature`s: detected at run time with `std`, else where the build
/// targets them.
macro_rules! available {
    ($name:ident, $gate:meta, $($feature:tt),+) => {
        #[inline]
        #[allow(clippy::incompatible_msrv)]
        pub(crate) fn $name() -> bool {
            #[cfg(all(target_arch = "x86_64", $gate, feature = "std"))]
            {
                $(std::is_x86_feature_detected!($feature))&&+
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
    avx512_vnni_available,
    nncore_avx512,
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512vnni"
);
