"""The tables of a sitting (scripts/sitting.sh OUT_DIR): reads OUT_DIR's outputs and prints
BENCHMARKS.md's ratios in Markdown, each against the issue's target, with the load average each
command started at. Criterion's figures are its medians' point estimates.

Each figure's distance from the machine's peak: the multiply-adds it does a second (the benches
print each model's multiply-adds a sample; a batch is 32 samples, a training step counted as
three forward passes: the forward, the input gradient and the weight gradient) as a share of
the core's ceiling measured in the same sitting (`cargo bench --bench int8 -- machine`), the
512-bit fused multiply-add for float32, `vpdpbusd` for int8 (and AMX's `tdpbusd`, printed
beside them, where the convolutions run on AMX tiles).

Usage: python3 scripts/sitting_table.py OUT_DIR
"""
import os
import re
import sys

UNITS = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}


def text(out, name):
    path = os.path.join(out, name)
    return open(path, encoding="utf-8").read() if os.path.exists(path) else ""


def criterion(out, name):
    """{bench id: median in µs} from criterion's output."""
    times, last = {}, None
    for line in text(out, name).splitlines():
        m = re.match(r"^(\S.*?)?\s*time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
        if m:
            times[(m.group(1) or last).strip()] = float(m.group(2)) * UNITS[m.group(3)]
        elif line and not line[0].isspace() and not line.startswith(("Benchmarking", "Found")):
            last = line.strip()
    return times


def throughputs(out, name):
    """{bench id: median elements a second} from criterion's output."""
    rates, last = {}, None
    scale = {"elem/s": 1, "Kelem/s": 1e3, "Melem/s": 1e6, "Gelem/s": 1e9}
    for line in text(out, name).splitlines():
        m = re.match(r"^\s*thrpt:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
        named = re.match(r"^(\S.*?)\s+time:", line)
        if m and last:
            rates[last] = float(m.group(1)) * scale[m.group(2)]
        elif named:
            last = named.group(1).strip()
        elif line and not line[0].isspace() and not line.startswith(("Benchmarking", "Found")):
            last = line.strip()
    return rates


def macs(out, name):
    """{model: multiply-adds a sample} as the benches print them."""
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(r"^(.+?): (\d+) multiply-adds a sample", text(out, name), re.M)}


def share(count, us, peak):
    """`count` multiply-adds in `us` microseconds as a share of `peak` a second."""
    return "—" if None in (count, us, peak) else f"{count / (us * 1e-6) / peak:.0%}"


def load(out, name):
    return text(out, name + ".load").split(" ", 1)[-1].strip() or "?"


def row(cells):
    print("| " + " | ".join(cells) + " |")


def table(head, rows):
    row(head)
    row(["---"] + ["---:"] * (len(head) - 1))
    for r in rows:
        row(r)
    print()


def fmt(us):
    return "—" if us is None else (f"{us / 1e3:.2f} ms" if us >= 1e3 else f"{us:.2f} µs")


def ratio(a, b):
    return "—" if a is None or b is None else f"{a / b:.2f}"


def main(out):
    torch = {}
    for m in re.finditer(r"RESULT torch (W\d+) one_sample_us=(\S+) batch32_ms=(\S+) "
                         r"train_step32_ms=(\S+)", text(out, "torch.txt")):
        w, one, batch, train = m.groups()
        torch[w] = (float(one), float(batch) * 1e3, float(train) * 1e3)
    ours = criterion(out, "reference.txt")
    peaks = throughputs(out, "int8.txt")
    fma = peaks.get("machine/512-bit fma peak (f32 multiply-adds)")
    vnni = peaks.get("machine/vpdpbusd peak (int8 multiply-adds)")
    count = macs(out, "int8.txt")
    tiles = peaks.get("machine/tdpbusd peak (int8 multiply-adds)")
    if fma and vnni:
        amx = f", {tiles / 1e9:.1f} G int8 on AMX tiles (`tdpbusd`)" if tiles else ""
        print(f"Peaks of this core: {fma / 1e9:.1f} G float32 multiply-adds a second (512-bit "
              f"FMA), {vnni / 1e9:.1f} G int8 (`vpdpbusd`){amx}.\n")
    names = {"W8": "W8 ResNet-8", "W9": "W9 DS-CNN", "W10": "W10 MobileNetV1"}
    kinds = ("one sample", "batch of 32", "training step, batch of 32")
    targets = ("≤ 0.25", "≤ 0.7", "≤ 0.7")
    per = (1, 32, 96)
    print(f"Float32 against PyTorch (load {load(out, 'reference')}; PyTorch {load(out, 'torch')}):\n")
    table(["workload", "ours", "PyTorch", "ratio", "target", "ours, of the FMA peak"],
          [[f"{names[w]}, {k}", fmt(ours.get(f"{names[w]}/{k}")), fmt(torch.get(w, (None,) * 3)[i]),
            ratio(ours.get(f"{names[w]}/{k}"), torch.get(w, (None,) * 3)[i]), targets[i],
            share(count.get(names[w], 0) * per[i] or None, ours.get(f"{names[w]}/{k}"), fma)]
           for w in names for i, k in enumerate(kinds)])

    int8 = criterion(out, "int8.txt")
    groups = ["digits MLP", "autoencoder", "W8 ResNet-8", "W9 DS-CNN", "W10 MobileNetV1"]
    print(f"Int8 against our float32, one sample (load {load(out, 'int8')}):\n")
    table(["model", "f32", "int8", "f32 / int8", "target", "f32, of the FMA peak",
           "int8, of the `vpdpbusd` peak"],
          [[g, fmt(int8.get(f"{g}, one sample/f32")), fmt(int8.get(f"{g}, one sample/int8")),
            ratio(int8.get(f"{g}, one sample/f32"), int8.get(f"{g}, one sample/int8")), "≥ 2",
            share(count.get(g), int8.get(f"{g}, one sample/f32"), fma),
            share(count.get(g), int8.get(f"{g}, one sample/int8"), vnni)]
           for g in groups])

    mine = {m.group(1): float(m.group(2))
            for m in re.finditer(r"^(\w+): (\S+) µs", text(out, "tflite_min.txt"), re.M)}
    files = {"ad01": "ad01_int8", "kws": "kws_ref_model", "resnet": "pretrainedResnet_quant",
             "vww": "vww_96_int8"}
    # The declared models of the same shapes.
    shapes = {"ad01": "autoencoder", "kws": "W9 DS-CNN", "resnet": "W8 ResNet-8",
              "vww": "W10 MobileNetV1"}
    theirs = {}
    for m in re.finditer(r"^(\S+)\.tflite default, least: (\S+) us", text(out, "tflite_py.txt"), re.M):
        theirs[m.group(1)] = float(m.group(2))
    print(f"`tflite!` against TensorFlow Lite's interpreter, least times (load "
          f"{load(out, 'tflite_min')}; interpreter {load(out, 'tflite_py')}):\n")
    table(["model", "tflite!", "TensorFlow Lite", "ratio", "target",
           "tflite!, of the `vpdpbusd` peak"],
          [[f, fmt(mine.get(k)), fmt(theirs.get(f)), ratio(mine.get(k), theirs.get(f)), "≤ 1.0",
            share(count.get(shapes[k]), mine.get(k), vnni)]
           for k, f in files.items()])

    key = "W8 ResNet-8/training step, batch of 32"
    one, two = criterion(out, "rayon1.txt").get(key), criterion(out, "rayon2.txt").get(key)
    print(f"W8's training step with `rayon` (load {load(out, 'rayon1')}, {load(out, 'rayon2')}):\n")
    table(["one thread", "two threads", "speed-up", "target"],
          [[fmt(one), fmt(two), ratio(one, two), "≥ 1.6"]])


if __name__ == "__main__":
    main(sys.argv[1])
