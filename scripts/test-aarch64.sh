#!/usr/bin/env bash
# nncore on aarch64 (the NEON path) under qemu's user-mode emulation: lints and builds without
# warnings (with and without std), its unit tests (among them the dense, narrow and convolution
# kernels' and tanh_slice's) with fused multiply-adds, without them (`libm`) and without std, and
# the batch-invariance test. Uses Debian's Rust, which ships aarch64's standard library; installs
# it, the cross linker and qemu with apt-get where they are missing (as root).
set -euxo pipefail
cd "$(dirname "$0")/.."

packages=(rustc-web cargo-web rust-web-clippy libstd-rust-web-dev:arm64 gcc-aarch64-linux-gnu
    libc6-dev-arm64-cross qemu-user)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed'; then
        missing+=("$package")
    fi
done
if ((${#missing[@]})); then
    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Debian's cargo, rustc and clippy, whatever rustup puts first on the PATH.
export PATH="/usr/bin:$PATH"
cargo=/usr/bin/cargo
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
export CARGO_TARGET_DIR=target/aarch64
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
# No `-L /usr/aarch64-linux-gnu`: the programs run with the loader and C library of libc6:arm64
# (which Rust's standard library depends on), from /lib. The cross toolchain's loader there is an
# older build than that libc.so.6, which it finds first through /etc/ld.so.cache, and the
# mismatch hangs every program that starts a thread (the test harness does).
unset QEMU_LD_PREFIX
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64
target=(--target aarch64-unknown-linux-gnu)

for features in --features=std --features=libm --no-default-features; do
    "$cargo" clippy -p nncore --all-targets "$features" "${target[@]}" -- -D warnings
done
RUSTFLAGS=-Dwarnings "$cargo" build -p nncore "${target[@]}"
RUSTFLAGS=-Dwarnings "$cargo" build -p nncore --no-default-features "${target[@]}"
# Optimized, since they run emulated. `the_kernels_run_the_best_path` checks that NEON is chosen.
for features in --features=std --features=libm --no-default-features; do
    RUSTFLAGS=-Dwarnings "$cargo" test --release -p nncore --lib "$features" "${target[@]}"
done
"$cargo" test --release --test batch_invariance "${target[@]}"
