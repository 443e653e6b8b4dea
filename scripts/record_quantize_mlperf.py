"""Post-training quantization of the MLPerf Tiny ResNet-8 and DS-CNN by TensorFlow Lite's
converter, for tests/quantize_mlperf.rs: each reference model built as its Keras source builds it
(keras_model.py of the MLCommons tiny repository), with random float weights and BatchNorm
statistics away from the identity, converted to int8 on random calibration inputs and run by the
interpreter's reference kernels on other inputs. The models end on their logits, as the
example's do (their softmax is for training, and `quantize` turns a Softmax into TensorFlow Lite's
int8 SOFTMAX, which tests/quantize_softmax.rs checks).

Writes tests/tflite/ptq_<name>_int8/: case.json and model.tflite (the format of
tests/tflite/README.md) and float.safetensors: the float weights under the names and in the
layouts of examples/mlperf_tiny/models.rs (PyTorch's), and the calibration inputs as
`calibration` (NCHW). Needs tensorflow-cpu (2.21 made the committed files) and safetensors.
Run:  python scripts/record_quantize_mlperf.py tests/tflite
"""
import os, sys
import numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
from safetensors.numpy import save_file
sys.path.insert(0, os.path.dirname(__file__))
from make_tflite_cases import convert, record  # noqa: E402

L = tf.keras.layers


class Names:
    """Keras layers under the names the project's model gives their parameters."""

    def __init__(self):
        self.layers = {}

    def __call__(self, name, layer):
        self.layers[name] = layer
        return layer

    def state(self):
        out = {}
        for name, layer in self.layers.items():
            w = layer.get_weights()
            if isinstance(layer, L.BatchNormalization):
                for key, v in zip(("weight", "bias", "running_mean", "running_var"), w):
                    out[f"{name}.{key}"] = v
                continue
            if isinstance(layer, L.DepthwiseConv2D):  # [kh, kw, in, 1] → [in, 1, kh, kw]
                kernel = w[0].transpose(2, 3, 0, 1)
            elif isinstance(layer, L.Conv2D):  # [kh, kw, in, out] → [out, in, kh, kw]
                kernel = w[0].transpose(3, 2, 0, 1)
            else:  # Dense: [in, out] → [out, in]
                kernel = w[0].T
            out[f"{name}.weight"], out[f"{name}.bias"] = kernel, w[1]
        return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def resnet8(n):
    """`resnet_v1_eembc()`: 16, 32 and 64 filters."""
    def bn_relu(name, y):
        return L.Activation("relu")(n(name, L.BatchNormalization())(y))
    x = tf.keras.Input((32, 32, 3), batch_size=1)
    y = bn_relu("bn1", n("conv1", L.Conv2D(16, 3, padding="same"))(x))
    for k, (filters, stride) in enumerate(((16, 1), (32, 2), (64, 2)), 1):
        s = f"stack{k}"
        z = n(f"{s}.conv1", L.Conv2D(filters, 3, strides=stride, padding="same"))(y)
        z = bn_relu(f"{s}.bn1", z)
        z = n(f"{s}.bn2", L.BatchNormalization())(n(f"{s}.conv2", L.Conv2D(filters, 3, padding="same"))(z))
        if stride > 1:
            y = n(f"{s}.shortcut", L.Conv2D(filters, 1, strides=stride, padding="same"))(y)
        y = L.Activation("relu")(L.Add()([y, z]))
    y = L.AveragePooling2D(pool_size=8)(y)
    return tf.keras.Model(x, n("fc", L.Dense(10))(L.Flatten()(y)))


def ds_cnn(n):
    """`ds_cnn` with kws_util.py's defaults: 64 filters, 12 classes."""
    def bn_relu(name, y):
        return L.Activation("relu")(n(name, L.BatchNormalization())(y))
    x = tf.keras.Input((49, 10, 1), batch_size=1)
    y = n("conv", L.Conv2D(64, (10, 4), strides=(2, 2), padding="same"))(x)
    y = L.Dropout(0.2)(bn_relu("bn", y))
    for k in range(1, 5):
        y = n(f"block{k}.depthwise", L.DepthwiseConv2D(3, padding="same"))(y)
        y = bn_relu(f"block{k}.bn1", y)
        y = n(f"block{k}.pointwise", L.Conv2D(64, 1, padding="same"))(y)
        y = bn_relu(f"block{k}.bn2", y)
    y = L.AveragePooling2D(pool_size=(24, 5))(L.Dropout(0.4)(y))
    return tf.keras.Model(x, n("fc", L.Dense(12))(L.Flatten()(y)))


def randomize_bn(names, rng):
    """BatchNorm statistics away from the identity, as trained ones would be."""
    for layer in names.layers.values():
        if isinstance(layer, L.BatchNormalization):
            g, b, m, v = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, g.shape), rng.normal(0, 0.2, b.shape),
                               rng.normal(0, 0.2, m.shape), rng.uniform(0.5, 2.0, v.shape)])


def main(out):
    tf.keras.utils.set_random_seed(17)
    rng = np.random.default_rng(17)
    cases = (("ptq_resnet8_int8", resnet8, lambda k: rng.uniform(0, 1, (k, 32, 32, 3))),
             ("ptq_ds_cnn_int8", ds_cnn, lambda k: rng.normal(0, 1, (k, 49, 10, 1))))
    for name, build, inputs in cases:
        names = Names()
        model = build(names)
        randomize_bn(names, rng)
        calibration = inputs(32).astype(np.float32)
        test = inputs(8).astype(np.float32)
        record(name, convert(model, calibration), test, None, out, keep=1)
        state = names.state()
        state["calibration"] = np.ascontiguousarray(calibration.transpose(0, 3, 1, 2))
        save_file(state, os.path.join(out, name, "float.safetensors"))


if __name__ == "__main__":
    main(sys.argv[1])
