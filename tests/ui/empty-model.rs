// A model with no layers.

nncore::sequential! {
    pub struct Net {}
}

fn main() {}
