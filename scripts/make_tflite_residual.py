"""int8 goldens from TensorFlow Lite for residual networks and SOFTMAX: ADD (two inputs at
different scales, with and without a fused ReLU), SOFTMAX at several input scales, and models
with the layer structure of the MLPerf Tiny reference networks (ResNet-8 for image
classification, DS-CNN for keyword spotting, MobileNetV1 0.25 for visual wake words), trained on nothing (their weights are random;
the arithmetic is what is checked) and calibrated on synthetic inputs.

Same format as tests/tflite/*/case.json (tests/tflite/README.md). Needs tensorflow-cpu (2.21
made the committed files), which the tests do not.
Run:  python scripts/make_tflite_residual.py data/digits.csv tests/tflite
"""
import json, os, sys
import numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
sys.path.insert(0, os.path.dirname(__file__))
from make_tflite_cases import REF, convert, record  # noqa: E402

L = tf.keras.layers


def residual_digits(batch=None):
    """conv → conv → ADD (ReLU) → depthwise → ADD → average pool → dense → softmax."""
    x = tf.keras.Input((8, 8, 1), batch_size=batch)
    a = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    b = L.Conv2D(8, 3, padding="same")(a)
    s = L.Activation("relu")(L.Add()([a, b]))
    c = L.DepthwiseConv2D(3, padding="same", activation="relu6")(s)
    d = L.Add()([s, c])
    p = L.AveragePooling2D(2)(d)
    y = L.Dense(10)(L.Flatten()(p))
    return tf.keras.Model(x, L.Softmax()(y))


def logits(k, batch=None):
    """Dense 64→10 with its weights scaled by k (wider logits), then softmax."""
    x = tf.keras.Input((64,), batch_size=batch)
    return tf.keras.Model(x, L.Softmax()(L.Dense(10, kernel_initializer=tf.keras.initializers.RandomNormal(stddev=0.1 * k))(x)))


def softmax_only(width, batch=None):
    """SOFTMAX alone on `width` values: its input scale is the calibration data's."""
    x = tf.keras.Input((width,), batch_size=batch)
    return tf.keras.Model(x, L.Softmax()(x))


def resnet8(batch=None):
    """MLPerf Tiny image classification (resnet.py of the tiny repository): 32×32×3, three stacks."""
    def bn_relu(y):
        return L.Activation("relu")(L.BatchNormalization()(y))
    x = tf.keras.Input((32, 32, 3), batch_size=batch)
    y = bn_relu(L.Conv2D(16, 3, padding="same")(x))
    for filters, stride in ((16, 1), (32, 2), (64, 2)):
        z = bn_relu(L.Conv2D(filters, 3, strides=stride, padding="same")(y))
        z = L.BatchNormalization()(L.Conv2D(filters, 3, padding="same")(z))
        if stride > 1:
            y = L.Conv2D(filters, 1, strides=stride, padding="same")(y)
        y = L.Activation("relu")(L.Add()([y, z]))
    y = L.AveragePooling2D(pool_size=y.shape[1])(y)
    y = L.Dense(10)(L.Flatten()(y))
    return tf.keras.Model(x, L.Softmax()(y))


def ds_cnn(batch=None):
    """MLPerf Tiny keyword spotting (keras_model.py of the tiny repository): 49×10 MFCCs."""
    x = tf.keras.Input((49, 10, 1), batch_size=batch)
    y = L.Conv2D(64, (10, 4), strides=(2, 2), padding="same")(x)
    y = L.Activation("relu")(L.BatchNormalization()(y))
    for _ in range(4):
        y = L.DepthwiseConv2D(3, padding="same")(y)
        y = L.Activation("relu")(L.BatchNormalization()(y))
        y = L.Conv2D(64, 1, padding="same")(y)
        y = L.Activation("relu")(L.BatchNormalization()(y))
    y = L.AveragePooling2D(pool_size=(y.shape[1], y.shape[2]))(y)
    y = L.Dense(12)(L.Flatten()(y))
    return tf.keras.Model(x, L.Softmax()(y))


def mobilenet_vww(batch=None):
    """MLPerf Tiny visual wake words (vww_model.py of the tiny repository): MobileNetV1 with
    width 0.25 on 96×96×3, two classes."""
    def block(y, filters, stride):
        y = L.DepthwiseConv2D(3, strides=stride, padding="same")(y)
        y = L.Activation("relu")(L.BatchNormalization()(y))
        y = L.Conv2D(filters, 1, padding="same")(y)
        return L.Activation("relu")(L.BatchNormalization()(y))
    x = tf.keras.Input((96, 96, 3), batch_size=batch)
    y = L.Conv2D(8, 3, strides=2, padding="same")(x)
    y = L.Activation("relu")(L.BatchNormalization()(y))
    for filters, stride in ((16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (128, 1),
                            (128, 1), (128, 1), (128, 1), (256, 2), (256, 1)):
        y = block(y, filters, stride)
    y = L.AveragePooling2D(pool_size=y.shape[1])(y)
    y = L.Dense(2)(L.Flatten()(y))
    return tf.keras.Model(x, L.Softmax()(y))


def randomize_bn(model, rng):
    """BatchNorm statistics away from the identity, as trained ones would be."""
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            g, b, m, v = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, g.shape), rng.normal(0, 0.2, b.shape),
                               rng.normal(0, 0.2, m.shape), rng.uniform(0.5, 2.0, v.shape)])


def float_edges(model, rep, xs, out):
    """The model with float32 input and output (QUANTIZE and DEQUANTIZE at the edges), run by the
    interpreter on float inputs: float_edges_int8/{model.tflite, samples.json}."""
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([r[None].astype(np.float32)] for r in rep)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    blob = conv.convert()
    it = tf.lite.Interpreter(model_content=blob, experimental_op_resolver_type=REF)
    it.allocate_tensors()
    inp, outp = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    outs = []
    for x in xs:
        it.set_tensor(inp, x[None].astype(np.float32)); it.invoke()
        outs.append(it.get_tensor(outp)[0].flatten().tolist())
    ops = [op["op_name"] for op in it._get_ops_details()]
    d = os.path.join(out, "float_edges_int8"); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "model.tflite"), "wb").write(blob)
    json.dump({"ops": ops, "input": xs.reshape(len(xs), -1).tolist(), "output": outs},
              open(os.path.join(d, "samples.json"), "w"))
    print("float_edges_int8", ops)


def main(csv, out):
    tf.keras.utils.set_random_seed(5)
    rng = np.random.default_rng(5)
    d = np.loadtxt(csv, delimiter=",", skiprows=1, dtype=np.float32)
    X = d[:, :64] / 16.0; Y = d[:, 64].astype(np.int64)
    I = X.reshape(-1, 8, 8, 1)
    ce = tf.keras.losses.SparseCategoricalCrossentropy()

    m = residual_digits(); m.compile("adam", ce); m.fit(I[360:], Y[360:], epochs=15, batch_size=32, verbose=0)
    m1 = residual_digits(1); m1.set_weights(m.get_weights())
    record("residual_cnn_int8", convert(m1, I[360:660]), I[:120], Y[:120], out)
    m1 = logits(1, 1)

    float_edges(m1, X[360:660], X[:60], out)

    for k, name in ((1, "softmax_narrow_int8"), (30, "softmax_wide_int8")):
        m1 = logits(k, 1)
        record(name, convert(m1, X[360:660]), X[:120], Y[:120], out)

    # SOFTMAX alone, on random int8 rows, at input scales from 1/32 to 1 (calibrated on ±4 to ±128).
    for width, bound in ((16, 4.0), (16, 32.0), (40, 128.0)):
        cal = rng.uniform(-bound, bound, (64, width)).astype(np.float32)
        rows = rng.uniform(-bound, bound, (400, width)).astype(np.float32)
        record(f"softmax_only_{width}x{int(bound)}_int8", convert(softmax_only(width, 1), cal), rows, None, out, keep=0)

    m1 = resnet8(1); randomize_bn(m1, rng)
    imgs = rng.uniform(0, 1, (40, 32, 32, 3)).astype(np.float32)
    record("resnet8_int8", convert(m1, imgs[8:]), imgs[:8], None, out, keep=2)

    m1 = ds_cnn(1); randomize_bn(m1, rng)
    mfcc = rng.normal(0, 1, (40, 49, 10, 1)).astype(np.float32)
    record("ds_cnn_int8", convert(m1, mfcc[8:]), mfcc[:8], None, out, keep=2)

    m1 = mobilenet_vww(1); randomize_bn(m1, rng)
    imgs = rng.uniform(0, 1, (36, 96, 96, 3)).astype(np.float32)
    record("mobilenet_vww_int8", convert(m1, imgs[4:]), imgs[:4], None, out, keep=0)

    # Post-training quantization of a classifier ending in Softmax, with its float weights
    # (Dense weights as [out, in]) and the rows the converter calibrated on.
    def mlp_softmax(batch=None):
        return tf.keras.Sequential([tf.keras.Input((64,), batch_size=batch), L.Dense(32, activation="relu"),
                                    L.Dense(10), L.Softmax()])
    m = mlp_softmax(); m.compile("adam", ce); m.fit(X[360:], Y[360:], epochs=15, batch_size=32, verbose=0)
    m1 = mlp_softmax(1); m1.set_weights(m.get_weights())
    w = m1.get_weights()
    floats = {"float_weights": {"fc1.weight": w[0].T.tolist(), "fc1.bias": w[1].tolist(),
                                "fc2.weight": w[2].T.tolist(), "fc2.bias": w[3].tolist()},
              "calibration_rows": [360, 660]}
    record("ptq_softmax_int8", convert(m1, X[360:660]), X[:120], Y[:120], out, floats)

    # HARD_SWISH alone on random rows of 64, input ranges ±3 to ±40: every int8 input code.
    for bound in (3.0, 8.0, 40.0):
        x = tf.keras.Input((64,), batch_size=1)
        m1 = tf.keras.Model(x, L.Activation("hard_swish")(x))
        cal = rng.uniform(-bound, bound, (64, 64)).astype(np.float32)
        rows = rng.uniform(-bound, bound, (64, 64)).astype(np.float32)
        record(f"hard_swish_{int(bound)}_int8", convert(m1, cal), rows, None, out, keep=0)

    # RESHAPE of a vector into an image and back: FULLY_CONNECTED 64→48, RESHAPE to 4×4×3,
    # CONV_2D, RESHAPE to 2-D (4×12), FULLY_CONNECTED on it.
    x = tf.keras.Input((64,), batch_size=1)
    y = L.Reshape((4, 4, 3))(L.Dense(48, activation="relu")(x))
    y = L.Conv2D(12, 3, padding="same", activation="relu")(y)
    y = L.Dense(10)(L.Flatten()(L.Reshape((16, 12))(y)))
    record("reshape_int8", convert(tf.keras.Model(x, y), X[360:660]), X[:60], Y[:60], out)

    # MEAN over the image (Keras' global average pooling): CONV_2D 3×3 same (ReLU), MEAN,
    # FULLY_CONNECTED; random weights.
    x = tf.keras.Input((8, 8, 1), batch_size=1)
    y = L.GlobalAveragePooling2D()(L.Conv2D(16, 3, padding="same", activation="relu")(x))
    record("mean_int8", convert(tf.keras.Model(x, L.Dense(10)(y)), I[360:660]), I[:120], Y[:120], out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
