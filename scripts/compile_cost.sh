#!/usr/bin/env bash
# W5: the time `cargo build --release` takes for a crate declaring one model of 3, 6 and 12
# layers (Linear and Tanh alternating, every Linear WIDTH x WIDTH), widths 16 and 256, with the
# dependencies already built. Prints a Markdown table.
#
#   bash scripts/compile_cost.sh [runs per cell, default 3]
set -euo pipefail
runs=${1:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/nn-w5.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/src"
cat > "$dir/Cargo.toml" <<TOML
[package]
name = "w5"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
nncore = { path = "$repo/nncore" }
rand = "0.10"

[workspace]
TOML

write_model() { # layers width
  local layers=$1 width=$2 list="" i
  for ((i = 0; i < layers; i++)); do
    if ((i % 2 == 0)); then list+="Linear($width, $width), "; else list+="Tanh, "; fi
  done
  cat > "$dir/src/main.rs" <<RS
use nncore::prelude::*;
nncore::sequential! { pub struct Net($list); }
fn main() {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
    let model = Net::init_boxed(&mut rng);
    let mut grads = nncore::Grads::<Net>::boxed();
    let xs = vec![[0.5f32; $width]; 3];
    let loss = model.backward_loss(&nncore::MseLoss::new(), &xs, &xs, &mut grads).unwrap();
    println!("{loss} {:?}", model.forward_batch(&xs)[0][0]);
}
RS
}

# Warm the dependency cache.
write_model 3 16
cargo build --release --quiet --manifest-path "$dir/Cargo.toml"

echo "| layers | width | parameters | build (s), median of $runs | min | max |"
echo "| --- | --- | --- | --- | --- | --- |"
for layers in 3 6 12; do
  for width in 16 256; do
    write_model "$layers" "$width"
    times=()
    for ((r = 0; r < runs; r++)); do
      touch "$dir/src/main.rs"
      start=$(date +%s.%N)
      cargo build --release --quiet --manifest-path "$dir/Cargo.toml"
      end=$(date +%s.%N)
      times+=("$(echo "$end - $start" | bc)")
    done
    sorted=($(printf '%s\n' "${times[@]}" | sort -n))
    linears=$(((layers + 1) / 2))
    params=$((linears * (width * width + width)))
    printf '| %d | %d | %d | %.2f | %.2f | %.2f |\n' "$layers" "$width" "$params" \
      "${sorted[$((runs / 2))]}" "${sorted[0]}" "${sorted[$((runs - 1))]}"
  done
done
