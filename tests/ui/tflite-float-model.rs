// A float32 model: the error names the first tensor that is not int8.

nncore::tflite! {
    pub struct Float = "tflite/float32.tflite";
}

fn main() {}
