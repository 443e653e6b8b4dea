// A negative feature count.

nncore::sequential! {
    pub struct Net(Linear(-1, 4));
}

fn main() {}
