// A file that does not exist.

nncore::tflite! {
    pub struct Missing = "tflite/no-such-file.tflite";
}

fn main() {}
