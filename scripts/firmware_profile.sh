#!/usr/bin/env bash
# Where one inference's instructions go, by function: runs a firmware image that
# scripts/firmware.sh built (kept as $NN_FIRMWARE_TARGET_DIR/runs/TARGET-WORKLOAD.elf, by default
# target/firmware/runs/) under QEMU with plugin/insn_profile.c, which counts the instructions of
# each address between the markers, and sums them by the function that holds the address.
#
#   scripts/firmware_profile.sh ELF [QEMU-MACHINE] [ROWS]
#
# QEMU-MACHINE is mps2-an386 for thumbv7em images (the default), mps2-an385 for thumbv6m ones
# (microbit for the small ones firmware.sh runs there). Counts are summed over the image's
# inferences (three); shares are of their total. Needs what firmware.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
elf=${1:?usage: scripts/firmware_profile.sh ELF [QEMU-MACHINE] [ROWS]}
machine=${2:-mps2-an386}
rows=${3:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$work/insn_profile.so" firmware/plugin/insn_profile.c
start=$(llvm-nm-22 "$elf" | awk '$3 == "nn_marker_start" { print $1 }')
stop=$(llvm-nm-22 "$elf" | awk '$3 == "nn_marker_stop" { print $1 }')
# Never pipe QEMU into a reader that may stop early: it would hang. Write a file.
timeout 600 qemu-system-arm -M "$machine" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native \
    -plugin "$work/insn_profile.so,start=$start,stop=$stop,out=$work/counts" -d plugin \
    -kernel "$elf" > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
# Function starts, in address order (Thumb addresses with their low bit cleared).
llvm-nm-22 -C -n --defined-only "$elf" | awk '$2 ~ /^[tT]$/' > "$work/symbols"
awk -v rows="$rows" '
    function hex(s,    v, i) {
        v = 0
        for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
        return v
    }
    FNR == NR {
        name = $0; sub(/^[0-9a-f]+ [tT] /, "", name)
        a = hex($1); addr[n] = a - a % 2; fn[n] = name; n++
        next
    }
    {
        a = hex($1); lo = 0; hi = n - 1; f = "?"
        while (lo <= hi) { mid = int((lo + hi) / 2); if (addr[mid] <= a) { f = fn[mid]; lo = mid + 1 } else hi = mid - 1 }
        sum[f] += $2; total += $2
    }
    END {
        printf "%d instructions in all\n", total
        for (f in sum) printf "%12d %5.1f%%  %s\n", sum[f], 100 * sum[f] / total, f | "sort -rn | head -" rows
    }' "$work/symbols" "$work/counts"
