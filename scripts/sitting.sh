#!/usr/bin/env bash
# One sitting of the speed comparisons (BENCHMARKS.md): PyTorch on the float workloads of
# `benches/reference.rs`, our float and int8 benches, `tflite!` against TensorFlow Lite's
# interpreter, and W8's training step with `rayon` on one and two threads; then the table of
# ratios (scripts/sitting_table.py). Every command runs one after the other, one thread unless
# said, each once the load average is under 1 (it is recorded beside each output). Needs torch and
# tensorflow-cpu (by hand, not in CI).
#
# Usage: scripts/sitting.sh OUT_DIR [PYTHON_WITH_TORCH] [PYTHON_WITH_TENSORFLOW]
set -euo pipefail
out=${1:?usage: scripts/sitting.sh OUT_DIR [torch python] [tensorflow python]}
torch=${2:-python3}
tf=${3:-python3}
mkdir -p "$out"
cd "$(dirname "$0")/.."

# Everything built first, so that no build runs beside a measurement.
cargo bench --no-run -q --bench reference --bench int8 --bench int8_reference
cargo bench --no-run -q --bench reference --features rayon
cargo build -q --release --example tflite_min

# Waits (five minutes at most) for the one-minute load average to fall under 1: nothing else
# running, the previous step's own load decayed.
settle() {
  for _ in $(seq 30); do
    awk '{ exit !($1 < 1.0) }' /proc/loadavg && return
    sleep 10
  done
}
step() { # name, command...
  local name=$1; shift
  settle
  echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" > "$out/$name.load"
  "$@" > "$out/$name.txt" 2>&1
}
step torch "$torch" scripts/bench_reference_torch.py 1
step reference cargo bench -q --bench reference
step int8 cargo bench -q --bench int8 --bench int8_reference
step tflite_min cargo run -q --release --example tflite_min
step tflite_py "$tf" scripts/bench_tflite.py --min
step rayon1 env RAYON_NUM_THREADS=1 cargo bench -q --bench reference --features rayon -- 'W8.*training'
step rayon2 env RAYON_NUM_THREADS=2 cargo bench -q --bench reference --features rayon -- 'W8.*training'
python3 scripts/sitting_table.py "$out"
