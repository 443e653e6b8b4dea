// An operator the import does not run: the error names it, its index and its options.

nncore::tflite! {
    pub struct Mul = "tflite/mul_int8.tflite";
}

fn main() {}
