"""Records TensorFlow Lite's reference-kernel outputs for the MLPerf Tiny reference models
(tests/tflite/mlperf_tiny/*.tflite, from the MLCommons tiny repository) on random inputs:
writes <name>.json beside each file with the ops, the input and output types, 16 inputs (4 for
inputs of over 10,000 values; uniform over the input type's range; a seed per file) and the
interpreter's outputs. Needs tensorflow-cpu.
Run:  python scripts/record_mlperf_tiny.py tests/tflite/mlperf_tiny
"""
import json, os, sys, zlib
import numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf

REF = tf.lite.experimental.OpResolverType.BUILTIN_REF


def main(folder):
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".tflite"):
            continue
        blob = open(os.path.join(folder, name), "rb").read()
        it = tf.lite.Interpreter(model_content=blob, experimental_op_resolver_type=REF)
        it.allocate_tensors()
        inp, outp = it.get_input_details()[0], it.get_output_details()[0]
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        info = np.iinfo(inp["dtype"])
        count = 4 if np.prod(inp["shape"]) > 10_000 else 16  # keeps the big images' file small
        xs = rng.integers(info.min, info.max + 1, (count, *inp["shape"][1:]), dtype=np.int64).astype(inp["dtype"])
        outs = []
        for x in xs:
            it.set_tensor(inp["index"], x[None]); it.invoke()
            outs.append(it.get_tensor(outp["index"])[0].flatten().tolist())
        rec = {"tensorflow_version": tf.__version__, "ops": [op["op_name"] for op in it._get_ops_details()],
               "input_type": np.dtype(inp["dtype"]).name, "output_type": np.dtype(outp["dtype"]).name,
               "input_shape": inp["shape"].tolist(), "output_shape": outp["shape"].tolist(),
               "input": xs.reshape(len(xs), -1).tolist(), "output": outs}
        json.dump(rec, open(os.path.join(folder, name.replace(".tflite", ".json")), "w"))
        print(name, rec["input_type"], rec["output_type"], rec["input_shape"], sorted(set(rec["ops"])))


if __name__ == "__main__":
    main(sys.argv[1])
