// `bias = ` something other than `true` or `false`.

nncore::sequential! {
    pub struct Net(Linear(1, 13, bias = maybe));
}

fn main() {}
