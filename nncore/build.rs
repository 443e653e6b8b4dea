//! Sets `nncore_avx512` when the compiler has stable AVX-512 intrinsics (Rust 1.89), so that
//! older compilers (down to the crate's `rust-version`) build the crate without them. Setting
//! `NNCORE_NO_AVX512` leaves the AVX-512 kernels out, to measure the AVX2 ones on a CPU that has
//! both.
//!
//! Sets `nn_tanh_f32`, tanh evaluated in `f32`, with the `fast-tanh` feature and on targets
//! without double-precision hardware (bare-metal Arm: Cortex-M0 to M4F), where `f64` runs in
//! software at about 40 times the cost.
//!
//! Sets `nn_arm_dsp` when the target is an Arm core with the DSP extension (`SMLAD`), for the
//! int8 dot products. Stable compilers do not report Arm target features to `cfg`, so the
//! target's name (`thumbv7em-*`: Cortex-M4 and M7) counts as well as the `dsp` feature.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(nncore_avx512)");
    println!("cargo:rustc-check-cfg=cfg(nn_arm_dsp)");
    println!("cargo:rustc-check-cfg=cfg(nn_tanh_f32)");
    let var = |name| std::env::var(name).unwrap_or_default();
    let arm = var("CARGO_CFG_TARGET_ARCH") == "arm";
    let bare = var("CARGO_CFG_TARGET_OS") == "none";
    if std::env::var_os("CARGO_FEATURE_FAST_TANH").is_some() || (arm && bare) {
        println!("cargo:rustc-cfg=nn_tanh_f32");
    }
    let dsp = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "dsp");
    if arm && (dsp || var("TARGET").starts_with("thumbv7em")) {
        println!("cargo:rustc-cfg=nn_arm_dsp");
    }
    println!("cargo:rerun-if-env-changed=NNCORE_NO_AVX512");
    if std::env::var_os("NNCORE_NO_AVX512").is_some() {
        return;
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let minor = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| {
            let version = String::from_utf8(out.stdout).ok()?;
            // "rustc 1.95.0 (59807616e 2026-04-14)"
            let mut parts = version.split_whitespace().nth(1)?.split('.');
            (parts.next()? == "1").then_some(())?;
            parts.next()?.parse::<u32>().ok()
        });
    if minor.is_some_and(|minor| minor >= 89) {
        println!("cargo:rustc-cfg=nncore_avx512");
    }
}
