#!/usr/bin/env bash
# The cost of importing one `.tflite` file: a binary crate with `nncore::tflite!` of FILE and a
# `main` that runs it, built with `cargo build --release` once its dependencies are built; the
# rustc process of that crate alone is measured (CPU seconds, peak memory), and the binary's
# size reported.
#
#   bash scripts/tflite_compile_cost.sh tests/tflite/mobilenet_vww_int8/model.tflite [more files]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/nn-tflite-cost.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/src"
cat > "$dir/Cargo.toml" <<TOML
[package]
name = "tflite-cost"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
nncore = { path = "$repo/nncore", default-features = false }

[profile.release]
panic = "abort"

[workspace]
TOML
echo "| file | bytes | rustc CPU (s) | rustc peak memory (MB) | binary (bytes) |"
echo "| --- | --- | --- | --- | --- |"
for file in "$@"; do
  path=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
  cat > "$dir/src/main.rs" <<RS
nncore::tflite! { struct Model = "$path"; }
static MODEL: Model = Model::MODEL;
fn main() {
    // An all-zero int8 input (a valid value of any int8 array) the optimizer cannot see through.
    let input = core::hint::black_box(unsafe { core::mem::zeroed() });
    let y = core::hint::black_box(MODEL.forward(&input));
    std::process::exit(i32::from(y[0]));
}
RS
  cargo build --release --quiet --manifest-path "$dir/Cargo.toml"
  touch "$dir/src/main.rs"
  # The crate's own rustc: the last compile cargo runs.
  /usr/bin/time -f "%U %S %M" -o "$dir/time" cargo build --release --quiet --manifest-path "$dir/Cargo.toml"
  read -r user sys peak < "$dir/time"
  bytes=$(stat -c %s "$path")
  bin=$(stat -c %s "$dir/target/release/tflite-cost")
  cpu=$(printf "%.2f" "$(echo "$user + $sys" | bc)")
  echo "| $(basename "$(dirname "$file")")/$(basename "$file") | $bytes | $cpu | $((peak / 1024)) | $bin |"
done
