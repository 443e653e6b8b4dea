#!/usr/bin/env bash
# The models as Cortex-M firmware under QEMU: builds `firmware/` for a Cortex-M4F
# (thumbv7em-none-eabihf on QEMU's mps2-an386) and a Cortex-M0 (thumbv6m-none-eabi on QEMU's
# micro:bit), one workload a build; runs each, counting the instructions of one inference with a
# TCG plugin (plugin/insn_count.c); checks its outputs against the same code built for the host,
# byte for byte, and that no software floating-point routine is reachable from an int8 inference
# (nor a double-precision one from a float inference on the M4F), and that an int8 model's
# flash is within 5% of what it states: its value (`STORED_BYTES`), the int8 runtime
# (`nncore::quant::RUNTIME_FLASH_BYTES`) and the firmware without a model (`none`, built first on
# each target); prints a table.
#
#   scripts/firmware.sh [WORKLOAD...]     (default: all but MicroFlow's; `none` is the runtime alone)
#   NN_FIRMWARE_PEERS=1 scripts/firmware.sh   (all, MicroFlow's too)
#
# Installs what it needs with apt-get where it is missing (Debian 12: Debian's Rust 1.96 with the
# standard library's source, lld, QEMU, gcc). Set NN_NO_INSTALL=1 to skip that.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

# Every run starts with `none` (the runtime alone) on each core: its stack and flash are the
# harness's own, which the bounds of an int8 workload add to what the model states.
# `kernels` checks the int8 dot products on odd shapes (no count: it builds its weights).
# `ad01-tflite` and `kws-tflite` are MLPerf Tiny's official files by `tflite!`; `microflow-ad01`
# and `microflow-kws` the same files by a peer, MicroFlow 0.1.3 (crates.io), with
# NN_FIRMWARE_PEERS=1 or by name (they take several minutes more).
m4_workloads=(none temp digits-f32 digits-int8 anomaly-f32 anomaly-int8 anomaly-int8-tflm kws-int8 kernels
    ad01-tflite kws-tflite)
if [ "${NN_FIRMWARE_PEERS:-0}" = 1 ]; then
    m4_workloads+=(microflow-ad01 microflow-kws)
fi
# The micro:bit has 256 KiB of flash and 16 KiB of RAM: the autoencoder (266 KB of int8 weights)
# does not fit, nor the stack of the keyword-spotting model or of `kernels`, so their ARMv6-M
# builds (and those of the official files) run on the MPS2 board of the Cortex-M3
# (`mps2-an385`), which executes ARMv6-M code instruction for instruction as a Cortex-M0 would.
m0_workloads=("${m4_workloads[@]}")
if [ "$#" -gt 0 ]; then
    m4_workloads=("$@")
    m0_workloads=("$@")
fi

# --- Tools ---------------------------------------------------------------------------------
need=()
[ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q '^rustc 1\.\(9[6-9]\|[1-9][0-9][0-9]\)' \
    || need+=(rustc-web cargo-web)
[ -d /usr/lib/rustlib/src/rust/library/core ] || need+=(rust-web-src)
command -v ld.lld-22 >/dev/null || need+=(lld-22)
command -v llvm-objdump-22 >/dev/null || need+=(rust-web-llvm)
command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
if [ "${#need[@]}" -gt 0 ]; then
    if [ "${NN_NO_INSTALL:-0}" = 1 ]; then
        echo "firmware.sh: missing packages: ${need[*]}" >&2
        exit 1
    fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        rustc-web cargo-web rust-web-src rust-web-llvm lld-22 qemu-system-arm gcc libc6-dev
fi
# Debian's toolchain, nightly features (build-std) allowed: its standard library source is
# the one the targets need, and rustup's targets cannot be downloaded.
export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${NN_FIRMWARE_TARGET_DIR:-$root/target/firmware}"
work="$CARGO_TARGET_DIR/runs"
mkdir -p "$work"
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$work/insn_count.so" firmware/plugin/insn_count.c

# Software floating point, as `llvm-objdump -C` names it.
soft_float='__aeabi_(d|f|i2[df]|ui2[df]|l2[df]|ul2[df])|compiler_builtins::float::|__(add|sub|mul|div|neg)[sd]f3|__(fix|fixuns)[sd]f|__float(un)?[sdt]i[sd]f|__(extend|trunc)[sd]f|__(eq|ne|lt|le|gt|ge|unord|cmp)[sd]f2'
soft_double='__aeabi_(d|i2d|ui2d|l2d|ul2d|f2d)|compiler_builtins::float::.*df|__(add|sub|mul|div|neg)df3|__(fix|fixuns)df|__float(un)?[sdt]idf|__extendsfdf|__truncdf|__(eq|ne|lt|le|gt|ge|unord|cmp)df2'

# The functions reachable from `nn_infer` by direct calls and branches, one a line. A target is
# the name between the first `<` and the last `>` of the line (`<T as U<V>>::f`), less `+0x...`.
reachable() {
    llvm-objdump-22 -d -C --no-show-raw-insn "$1" | awk '
        /^[0-9a-f]+ <.*>:$/ { f = substr($0, index($0, "<") + 1); sub(/>:$/, "", f); next }
        f != "" && /\t(bl|blx|b|b\.w|b\.n|beq|bne|bcs|bcc|bmi|bpl|bhi|bls|bge|blt|bgt|ble|cbz|cbnz)(\.w|\.n)?\t/ && /</ {
            t = substr($0, index($0, "<") + 1); sub(/>( *@.*)?$/, "", t); sub(/\+0x[0-9a-f]+$/, "", t)
            if (t != f) edge[f] = edge[f] "\n" t
        }
        END {
            seen["nn_infer"] = 1; queue[0] = "nn_infer"; n = 1
            for (i = 0; i < n; i++) {
                k = split(edge[queue[i]], ts, "\n")
                for (j = 1; j <= k; j++) if (ts[j] != "" && !(ts[j] in seen)) { seen[ts[j]] = 1; queue[n++] = ts[j] }
            }
            for (s in seen) print s
        }'
}

# Builds and runs one workload; appends a row to the table.
run() {
    local target=$1 board=$2 machine=$3 workload=$4 cpu=$5
    local features=()
    [ "$workload" = none ] || features=(--features "$workload")
    local log="$work/$target-$workload"
    (cd firmware && NN_BOARD=$board cargo build -q --release --target "$target" -Zbuild-std=core "${features[@]}")
    local elf="$work/$target-$workload.elf"
    cp "$CARGO_TARGET_DIR/$target/release/nn-firmware" "$elf"
    # The host with the arithmetic of the board: tanh in f32, as on every bare-metal Arm target.
    (cd firmware && cargo run -q --release "${features[@]}" --features nncore/fast-tanh) > "$log.host"
    local start stop
    start=$(llvm-nm-22 "$elf" | awk '$3 == "nn_marker_start" { print $1 }')
    stop=$(llvm-nm-22 "$elf" | awk '$3 == "nn_marker_stop" { print $1 }')
    # Never pipe QEMU into a reader that may stop early: it would hang. Write a file.
    timeout 300 qemu-system-arm -M "$machine" -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native \
        -plugin "$work/insn_count.so,start=$start,stop=$stop" -d plugin \
        -kernel "$elf" > "$log.board" 2>&1 || { cat "$log.board" >&2; echo "firmware.sh: $target $workload failed" >&2; exit 1; }
    local equal=yes
    # The official `.tflite` files: the output bytes that differ from TensorFlow Lite's recording.
    local tflite
    tflite=$(awk '$1 == "tflite-differs" { printf " (TFLite: %s of %s B differ, in %s of %s samples)", $2, $3, $4, $5 }' "$log.host")
    if ! diff <(grep '^output ' "$log.host") <(grep '^output ' "$log.board") > /dev/null \
        || ! grep -q '^output ' "$log.host"; then
        equal=NO
        failures+=("$target $workload: outputs differ from the host's ($log.host, $log.board)")
    fi
    local insns stack macs weights model runtime arena
    insns=$(awk '$1 == "insns" { if ($2 > m) m = $2 } END { print m + 0 }' "$log.board")
    stack=$(awk '$1 == "stack" { if ($2 > m) m = $2 } END { print m + 0 }' "$log.board")
    macs=$(awk '$1 == "multiply-adds" { print $2 }' "$log.board")
    weights=$(awk '$1 == "weight-bytes" { print $2 }' "$log.board")
    model=$(awk '$1 == "model-bytes" { print $2 }' "$log.board")
    runtime=$(awk '$1 == "runtime-bytes" { print $2 }' "$log.board")
    arena=$(awk '$1 == "arena-bytes" { print $2 }' "$log.board")
    local flash ram
    read -r flash ram < <(llvm-size-22 -A "$elf" | awk '
        $1 == ".vector_table" || $1 == ".text" || $1 == ".rodata" { f += $2 }
        $1 == ".data" { f += $2; r += $2 }
        $1 == ".bss" || $1 == ".uninit" { r += $2 }
        END { print f, r }')
    # Software floating point reachable from the inference.
    local fns float=none pattern=""
    fns=$(reachable "$elf")
    case "$workload" in
        *int8* | *-tflite) pattern=$soft_float ;;
        *) [ "$target" = thumbv7em-none-eabihf ] && pattern=$soft_double ;;
    esac
    local found
    found=$(grep -E -- "$soft_float" <<< "$fns" | sort | tr '\n' ' ' || true)
    [ -n "$found" ] && float=$(grep -cE -- "$soft_float" <<< "$fns")" routines"
    if [ -n "$pattern" ] && grep -qE -- "$pattern" <<< "$fns"; then
        failures+=("$target $workload: software floating point reachable from the inference: $found")
    fi
    # An int8 model's stack is bounded by its arena, nncore's `quant::STACK_OVERHEAD_BYTES` and the
    # harness's own stack; its flash, within 5%, by its value (`STORED_BYTES`), nncore's
    # `quant::RUNTIME_FLASH_BYTES` and the harness's own flash (the `none` workload's on this target).
    local bound="-"
    case "$workload" in
        none) harness_stack[$target]=$stack; harness_flash[$target]=$flash ;;
        microflow-*) ;;
        *int8* | *-tflite)
            local overhead stack_bound
            overhead=$(awk '$1 == "stack-overhead" { print $2 }' "$log.board")
            stack_bound=$((arena + overhead + ${harness_stack[$target]}))
            if [ "$stack" -gt "$stack_bound" ]; then
                failures+=("$target $workload: peak stack $stack B above $stack_bound B (arena $arena + STACK_OVERHEAD_BYTES $overhead + harness ${harness_stack[$target]})")
                echo "firmware.sh: ${failures[-1]}" >&2
            fi
            bound=$(awk -v m="$model" -v r="$runtime" -v h="${harness_flash[$target]}" \
                'BEGIN { printf "%d", 1.05 * (m + r + h) }')
            if [ "$flash" -gt "$bound" ]; then
                failures+=("$target $workload: flash $flash B is over 1.05 × (model $model B + runtime $runtime B + firmware without a model ${harness_flash[$target]} B) = $bound B")
                echo "firmware.sh: ${failures[-1]}" >&2
            fi ;;
    esac
    local per_mac="-"
    [ "$macs" -gt 0 ] && per_mac=$(awk -v i="$insns" -v m="$macs" 'BEGIN { printf "%.2f", i / m }')
    rows+=("$(printf '| %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' \
        "$cpu" "$machine" "$workload" "$insns" "$per_mac" "$flash" "$bound" "$weights" "$model" \
        "$ram" "$stack" "$arena" "$float" "$equal$tflite")")
    echo "${rows[-1]}" >&2
}

rows=()
failures=()
# The harness's own stack and flash by target, from the `none` workload, which runs first on each.
declare -A harness_stack=() harness_flash=()
without_none() { local w; for w in "$@"; do [ "$w" = none ] || printf '%s\n' "$w"; done; }
mapfile -t m4_workloads < <(without_none "${m4_workloads[@]}")
mapfile -t m0_workloads < <(without_none "${m0_workloads[@]}")
m4_workloads=(none "${m4_workloads[@]}")
m0_workloads=(none "${m0_workloads[@]}")
for w in "${m4_workloads[@]}"; do
    run thumbv7em-none-eabihf mps2 mps2-an386 "$w" "Cortex-M4F"
done
for w in "${m0_workloads[@]}"; do
    case "$w" in
        anomaly* | kws* | kernels | ad01* | microflow-*) run thumbv6m-none-eabi mps2 mps2-an385 "$w" "ARMv6-M" ;;
        *) run thumbv6m-none-eabi microbit microbit "$w" "Cortex-M0" ;;
    esac
done

echo
echo "| target (QEMU board) | workload | instructions / inference | per multiply-add | flash (B) | flash bound (B) | weights stated (B) | model stated (B) | static RAM (B) | peak stack (B) | arena stated (B) | soft float reachable | outputs equal host |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
printf '%s\n' "${rows[@]}"
if [ "${#failures[@]}" -gt 0 ]; then
    printf 'firmware.sh: %s\n' "${failures[@]}" >&2
    exit 1
fi
