"""Times TensorFlow Lite's interpreter on the four MLPerf Tiny reference .tflite files, one
inference on a random int8 input, one thread: with its default kernels (the builtin resolver,
XNNPACK applied as TensorFlow Lite applies it by default) and with its reference kernels
(BUILTIN_REF, the ones the tests' outputs come from). Prints the median of 7 runs of N
invocations each, per invocation. `cargo bench --bench tflite` times the same files compiled by
`tflite!`. Needs tensorflow-cpu (2.21 was used).
With --min, the default kernels only, each timed as the least time a call over short batches
(what `cargo run --release --example tflite_min` prints for `tflite!`): on a shared machine, the
batches nothing interrupted.
Run:  python scripts/bench_tflite.py [--min] [folder]   (default tests/tflite/mlperf_tiny)
"""
import os, sys, time
import numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf

RESOLVERS = (("default", tf.lite.experimental.OpResolverType.AUTO),
             ("reference", tf.lite.experimental.OpResolverType.BUILTIN_REF))


def per_call(it, n):
    start = time.perf_counter()
    for _ in range(n):
        it.invoke()
    return (time.perf_counter() - start) / n


def least(it, per, batches):
    best = float("inf")
    for _ in range(batches):
        best = min(best, per_call(it, per))
    return best


def main_min(folder):
    rng = np.random.default_rng(18)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".tflite"):
            continue
        it = tf.lite.Interpreter(model_path=os.path.join(folder, name), num_threads=1,
                                 experimental_op_resolver_type=RESOLVERS[0][1])
        it.allocate_tensors()
        d = it.get_input_details()[0]
        it.set_tensor(d["index"], rng.integers(-128, 128, d["shape"], dtype=np.int8))
        it.invoke()
        # 4000 batches of about 250 us (at least one call).
        per = max(1, int(250e-6 / max(per_call(it, 3), 1e-7)))
        print(f"{name} default, least: {least(it, per, 4000) * 1e6:.2f} us ({per} calls a batch)")


def main(folder):
    rng = np.random.default_rng(18)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".tflite"):
            continue
        for label, resolver in RESOLVERS:
            it = tf.lite.Interpreter(model_path=os.path.join(folder, name), num_threads=1,
                                     experimental_op_resolver_type=resolver)
            it.allocate_tensors()
            d = it.get_input_details()[0]
            x = rng.integers(-128, 128, d["shape"], dtype=np.int8)
            it.set_tensor(d["index"], x)
            it.invoke()
            # About a second a run.
            n = max(1, int(1.0 / max(per_call(it, 3), 1e-7)))
            runs = sorted(per_call(it, n) for _ in range(7))
            print(f"{name} {label}: {runs[3] * 1e6:.1f} us (runs {runs[0] * 1e6:.1f} to {runs[-1] * 1e6:.1f}, {n} calls each)")


if __name__ == "__main__":
    args = sys.argv[1:]
    least_mode = "--min" in args
    args = [a for a in args if a != "--min"]
    folder = args[0] if args else "tests/tflite/mlperf_tiny"
    (main_min if least_mode else main)(folder)
