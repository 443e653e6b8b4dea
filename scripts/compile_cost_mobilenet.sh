#!/usr/bin/env bash
# The rustc CPU time and peak memory of a crate declaring only the MLPerf Tiny MobileNetV1 of
# `examples/mlperf_tiny/models.rs` (its third `sequential!`), in a debug and a release build,
# the dependencies built first and not counted. Needs GNU time (`/usr/bin/time`).
#
#   bash scripts/compile_cost_mobilenet.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/nn-mobilenet.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/src"
cat > "$dir/Cargo.toml" <<TOML
[package]
name = "mobilenet_only"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
nncore = { path = "$repo/nncore" }

[workspace]
TOML
# The third `sequential! { ... }` of the models file: from its line to the next `}` alone.
awk '/^nncore::sequential! \{/ { n++ } n == 3 { print } n == 3 && /^}$/ { exit }' \
  "$repo/examples/mlperf_tiny/models.rs" > "$dir/src/lib.rs"
grep -q 'pub struct MobileNetV1' "$dir/src/lib.rs"
cat > "$dir/time-rustc.sh" <<'SH'
#!/bin/sh
case "$*" in
  *"--crate-name mobilenet_only"*) exec /usr/bin/time -f "rustc %U s user, %S s system, %M KB peak" "$@" ;;
  *) exec "$@" ;;
esac
SH
chmod +x "$dir/time-rustc.sh"
cd "$dir"
for profile in dev release; do
  CARGO_TARGET_DIR="$dir/target" cargo build --quiet --profile "$profile" 2>/dev/null || true
  touch src/lib.rs
  printf '%s: ' "$profile"
  CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$dir/target" RUSTC_WRAPPER="$dir/time-rustc.sh" \
    cargo build --quiet --profile "$profile" 2>&1 | grep '^rustc'
done
