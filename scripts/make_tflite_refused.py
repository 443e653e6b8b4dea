"""Small .tflite files that `nncore::tflite!` refuses, for its compile-fail cases (tests/ui/):
an int8 MUL and a float32 model. Random weights; needs tensorflow-cpu.
Run:  python scripts/make_tflite_refused.py tests/ui/tflite
"""
import os, sys
import numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf

L = tf.keras.layers


def int8(model, rep):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([r[None].astype(np.float32)] for r in rep)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


def main(out):
    tf.keras.utils.set_random_seed(7)
    os.makedirs(out, exist_ok=True)
    rep = np.random.default_rng(7).normal(size=(32, 8)).astype(np.float32)
    x = tf.keras.Input((8,), batch_size=1)
    a, b = L.Dense(4)(x), L.Dense(4)(x)
    files = {
        "mul_int8.tflite": int8(tf.keras.Model(x, L.Multiply()([a, b])), rep),
        "float32.tflite": tf.lite.TFLiteConverter.from_keras_model(tf.keras.Model(x, L.Dense(4)(x))).convert(),
    }
    for name, blob in files.items():
        open(os.path.join(out, name), "wb").write(blob)
        print(name, len(blob))


if __name__ == "__main__":
    main(sys.argv[1])
