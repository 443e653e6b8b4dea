// A weights file that cannot be read: one error, and `TRAINED` still exists for the code that
// uses it.

nncore::sequential! {
    #[weights = "weights/no-such-file.safetensors"]
    pub struct Net(Linear(1, 13), Tanh, Linear(13, 1));
}

fn main() {
    let _ = Net::TRAINED;
}
