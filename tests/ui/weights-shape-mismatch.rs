// A weights file whose shapes and keys do not match the declared layers: each mistake is an
// error naming the key and both shapes (or the missing and the extra key).
// The path is relative to the crate trybuild writes, where tests/compiletest.rs copies the file.

nncore::sequential! {
    #[weights = "weights/seed_mlp_named.safetensors"]
    pub struct Wider { hidden_linear: Linear(2, 13), hidden_activ: Tanh, output_linear: Linear(13, 1) }
}

nncore::sequential! {
    #[weights = "weights/seed_mlp_named.safetensors"]
    pub struct Renamed { hidden_linear: Linear(1, 13), hidden_activ: Tanh, out: Linear(13, 1) }
}

fn main() {}
