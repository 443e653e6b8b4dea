// `follow` takes "micro" or "interpreter".

nncore::tflite! {
    #[follow = "tflm"]
    pub struct Model = "tflite/mul_int8.tflite";
}

fn main() {}
