// A file cut short: an error saying what could not be read, not a panic.

nncore::tflite! {
    pub struct Cut = "tflite/truncated.tflite";
}

fn main() {}
