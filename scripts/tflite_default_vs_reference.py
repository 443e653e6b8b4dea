"""Runs TensorFlow Lite's interpreter on the four MLPerf Tiny reference .tflite files with its
default kernels (XNNPACK, as it applies it by default) and with its reference kernels
(BUILTIN_REF, the ones the tests' outputs come from and `tflite!` computes bit for bit), on the
same random int8 inputs, and prints how many outputs differ between the two and by how much.
Needs tensorflow-cpu (2.21 was used).
Run:  python scripts/tflite_default_vs_reference.py [samples] [folder]
      (default 20 samples, tests/tflite/mlperf_tiny)
"""
import os, sys
import numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf

RESOLVERS = (tf.lite.experimental.OpResolverType.AUTO,
             tf.lite.experimental.OpResolverType.BUILTIN_REF)


def outputs(path, resolver, xs):
    it = tf.lite.Interpreter(model_path=path, num_threads=1,
                             experimental_op_resolver_type=resolver)
    it.allocate_tensors()
    d, o = it.get_input_details()[0], it.get_output_details()[0]
    ys = []
    for x in xs:
        it.set_tensor(d["index"], x)
        it.invoke()
        ys.append(it.get_tensor(o["index"]).astype(np.int32))
    return np.array(ys)


def main(samples, folder):
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".tflite"):
            continue
        path = os.path.join(folder, name)
        it = tf.lite.Interpreter(model_path=path)
        shape = it.get_input_details()[0]["shape"]
        rng = np.random.default_rng(18)
        xs = [rng.integers(-128, 128, shape, dtype=np.int8) for _ in range(samples)]
        default, reference = (outputs(path, r, xs) for r in RESOLVERS)
        diff = np.abs(default - reference)
        print(f"{name}: {np.count_nonzero(diff)} of {diff.size} outputs differ, "
              f"by at most {diff.max()}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 20, args[1] if len(args) > 1 else "tests/tflite/mlperf_tiny")
