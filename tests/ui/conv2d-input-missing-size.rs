// `#[input(...)]` with two sizes before a `Conv2d`: the message offers the missing third size
// as well as `Conv1d`; with three before a `Conv1d`, it says that sequences have two.

nncore::sequential! {
    #[input(1, 8)]
    pub struct Image { conv: Conv2d(1, 4, 3), flat: Flatten, fc: Linear(144, 2) }
}

nncore::sequential! {
    #[input(2, 8, 8)]
    pub struct Sequence { conv: Conv1d(2, 4, 3), flat: Flatten, fc: Linear(24, 2) }
}

fn main() {}
