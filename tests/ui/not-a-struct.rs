// Items the macro does not take: generics, a `where` clause, a unit struct, an `enum`, a
// missing `struct`, two models in one call. Each error says what the macro takes; the code
// that names the models reports nothing more.

nncore::sequential! {
    pub struct Generic<const N: usize>(Linear(1, 13), Tanh, Linear(13, 1)) where [(); N]:;
}

nncore::sequential! {
    pub struct Unit;
}

nncore::sequential! {
    pub enum Choice { Small, Large }
}

nncore::sequential! {
    pub Untagged(Linear(1, 1));
}

nncore::sequential! {
    pub struct First(Linear(1, 2));
    pub struct Second(Linear(2, 1));
}

fn main() {
    let _ = (Generic::ZERO, Unit::ZERO, Choice::ZERO, Untagged::ZERO);
    let _ = (First::ZERO.0, Second::ZERO.0);
}
