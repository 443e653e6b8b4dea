// A field named with a raw identifier: PyTorch's key and printed name leave out the `r#`.

use nncore::prelude::*;

nncore::sequential! {
    pub struct Net { r#type: Linear(1, 2), r#fn: Tanh, output: Linear(2, 1) }
}

fn main() {
    let names: Vec<String> = Net::ZERO.parameters().map(|p| p.name.to_string()).collect();
    assert_eq!(names, ["type.weight", "type.bias", "output.weight", "output.bias"]);
    let printed = Net::ZERO.to_string();
    assert!(printed.contains("(type): Linear(in_features=1, out_features=2, bias=True)"), "{printed}");
    assert!(printed.contains("(fn): Tanh()"), "{printed}");
    let _ = Net::ZERO.r#type.weight;
}
