"""More int8 goldens from TensorFlow Lite, for the options the three original cases leave out:
strided SAME convolution with uneven padding, dilation, depth multiplier 2, ReLU6, average and
max pooling with SAME padding, RESHAPE, and per-tensor weights.

Same format as tests/tflite/*/case.json (tests/tflite/README.md); the op options are read from
the flatbuffer itself. Needs tensorflow (2.21 made the committed files), which CI lacks.
Run:  python scripts/make_tflite_cases.py data/digits.csv tests/tflite
"""
import json, os, sys
import numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as fb

REF = tf.lite.experimental.OpResolverType.BUILTIN_REF
ACT = {fb.ActivationFunctionType.NONE: "none", fb.ActivationFunctionType.RELU: "relu",
       fb.ActivationFunctionType.RELU6: "relu6", fb.ActivationFunctionType.RELU_N1_TO_1: "relu_n1_to_1"}
PAD = {fb.Padding.SAME: "same", fb.Padding.VALID: "valid"}


def op_options(blob):
    """Each op's options, in the flatbuffer's order (the order the interpreter runs them)."""
    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(blob, 0))
    out = []
    for op in model.subgraphs[0].operators:
        o = op.builtinOptions
        d = {}
        if hasattr(o, "fusedActivationFunction"):
            d["fused_activation"] = ACT[o.fusedActivationFunction]
        if hasattr(o, "padding"):
            d["padding"] = PAD[o.padding]
        if hasattr(o, "strideH"):
            d["stride"] = [o.strideH, o.strideW]
        if hasattr(o, "dilationHFactor"):
            d["dilation"] = [o.dilationHFactor, o.dilationWFactor]
        if hasattr(o, "filterHeight"):
            d["filter"] = [o.filterHeight, o.filterWidth]
        if hasattr(o, "depthMultiplier"):
            d["depth_multiplier"] = o.depthMultiplier
        if hasattr(o, "beta"):
            d["beta"] = o.beta
        out.append(d)
    return out


def convert(model, rep, per_channel=True):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([r[None].astype(np.float32)] for r in rep)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    if not per_channel:
        conv._experimental_disable_per_channel = True
        conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    return conv.convert()


def record(name, blob, xs, ys, out_dir, extra=None, keep=4):
    it = tf.lite.Interpreter(model_content=blob, experimental_op_resolver_type=REF,
                             experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    tens = {}
    for t in it.get_tensor_details():
        q = t["quantization_parameters"]
        tens[t["index"]] = {"name": t["name"], "shape": t["shape"].tolist(),
                            "dtype": np.dtype(t["dtype"]).name, "scales": q["scales"].tolist(),
                            "zero_points": q["zero_points"].tolist(),
                            "quantized_dimension": int(q["quantized_dimension"])}
    ops = it._get_ops_details()
    produced = {o for op in ops for o in op["outputs"]}
    inp = it.get_input_details()[0]["index"]; outp = it.get_output_details()[0]["index"]
    for i, e in tens.items():
        if i not in produced and i != inp:
            try:
                e["data"] = it.get_tensor(i).flatten().tolist()
            except ValueError:
                pass
    s, z = it.get_input_details()[0]["quantization"]
    qin = np.clip(np.round(xs / s) + z, -128, 127).astype(np.int8)
    outs, inter = [], {}
    for k, x in enumerate(qin):
        it.set_tensor(inp, x[None]); it.invoke()
        outs.append(it.get_tensor(outp)[0].flatten().tolist())
        if k < keep:
            for op in ops:
                for o in op["outputs"]:
                    v = it.get_tensor(o)
                    inter.setdefault(str(o), []).append(np.asarray(v).flatten().tolist())
    rec = {"name": name, "tensorflow_version": tf.__version__,
           "ops": [{"op": op["op_name"], "inputs": [int(i) for i in op["inputs"]],
                    "outputs": [int(o) for o in op["outputs"]], **o}
                   for op, o in zip(ops, op_options(blob), strict=True)],
           "tensors": {str(k): v for k, v in tens.items()}, "input": int(inp), "output": int(outp),
           "samples": {"input": qin.reshape(len(qin), -1).tolist(), "output": outs},
           "intermediates": inter,
           **({} if ys is None else {"int8_accuracy": float((np.array(outs).argmax(1) == ys).mean())}),
           **(extra or {})}
    d = os.path.join(out_dir, name); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "model.tflite"), "wb").write(blob)
    json.dump(rec, open(os.path.join(d, "case.json"), "w"))
    print(name, rec.get("int8_accuracy"), [(o["op"], {k: v for k, v in o.items() if k not in ("op", "inputs", "outputs")}) for o in rec["ops"]])


def main(csv, out):
    tf.keras.utils.set_random_seed(3)
    d = np.loadtxt(csv, delimiter=",", skiprows=1, dtype=np.float32)
    X = d[:, :64] / 16.0; Y = d[:, 64].astype(np.int64)
    I = X.reshape(-1, 8, 8, 1)
    L = tf.keras.layers
    ce = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def cnn(batch=None):
        return tf.keras.Sequential([
            tf.keras.Input((8, 8, 1), batch_size=batch),
            L.Conv2D(6, 3, strides=2, padding="same", activation="relu"),        # 8 -> 4, pads 0 before, 1 after
            L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", dilation_rate=2, activation="relu6"),
            L.Conv2D(8, 2, padding="same", dilation_rate=2, activation="relu6"),  # even kernel, dilated
            L.MaxPooling2D(2, strides=1, padding="same"),
            L.AveragePooling2D(3, strides=2, padding="same"),                     # partial windows
            L.Flatten(), L.Dense(10)])
    m = cnn(); m.compile("adam", ce); m.fit(I[360:], Y[360:], epochs=15, batch_size=32, verbose=0)
    m1 = cnn(1); m1.set_weights(m.get_weights())
    record("options_cnn_int8", convert(m1, I[360:660]), I[:120], Y[:120], out)
    record("options_cnn_per_tensor_int8", convert(m1, I[360:660], per_channel=False), I[:120], Y[:120], out)

    def mlp(batch=None):
        return tf.keras.Sequential([tf.keras.Input((64,), batch_size=batch), L.Dense(24, activation="relu6"),
                                    L.Dense(10)])
    m = mlp(); m.compile("adam", ce); m.fit(X[360:], Y[360:], epochs=15, batch_size=32, verbose=0)
    m1 = mlp(1); m1.set_weights(m.get_weights())
    record("options_mlp_per_tensor_int8", convert(m1, X[360:660], per_channel=False), X[:120], Y[:120], out)

    # The float model too, to check post-training quantization against the converter's: Dense
    # weights as [out, in] (Keras stores [in, out]); calibrated on digits rows 360..660.
    def mlp2(batch=None):
        return tf.keras.Sequential([tf.keras.Input((64,), batch_size=batch), L.Dense(32, activation="relu"),
                                    L.Dense(10)])
    m = mlp2(); m.compile("adam", ce); m.fit(X[360:], Y[360:], epochs=15, batch_size=32, verbose=0)
    m1 = mlp2(1); m1.set_weights(m.get_weights())
    w = m1.get_weights()
    floats = {"float_weights": {"fc1.weight": w[0].T.tolist(), "fc1.bias": w[1].tolist(),
                                "fc2.weight": w[2].T.tolist(), "fc2.bias": w[3].tolist()},
              "calibration_rows": [360, 660]}
    record("ptq_mlp_int8", convert(m1, X[360:660]), X[:120], Y[:120], out, floats)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
