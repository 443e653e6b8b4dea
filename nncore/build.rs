//! Sets `nncore_avx512` when the compiler has stable AVX-512 intrinsics (Rust 1.89), so that
//! older compilers (down to the crate's `rust-version`) build the crate without them. Setting
//! `NNCORE_NO_AVX512` leaves the AVX-512 kernels out, to measure the AVX2 ones on a CPU that has
//! both.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(nncore_avx512)");
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
