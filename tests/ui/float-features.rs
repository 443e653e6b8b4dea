// Feature counts written as floats or strings.

nncore::sequential! {
    pub struct Net(Linear(1.5, 4), Linear(4, "8"));
}

fn main() {}
