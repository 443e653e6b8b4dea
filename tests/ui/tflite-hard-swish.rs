// HARD_SWISH has no int8 form here: refused by name.

nncore::tflite! {
    pub struct Swish = "tflite/hard_swish_int8.tflite";
}

fn main() {}
