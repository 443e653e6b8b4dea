// A size given by a constant that does not exist: one error, from the compiler, with no advice
// the macro would refuse (generic parameters, braces).

nncore::sequential! {
    pub struct Net(Linear(1, HIDDEN), Tanh, Linear(HIDDEN, 1));
}

mod sizes {}

nncore::sequential! {
    pub struct Other(Linear(1, sizes::WIDTH), Tanh, Linear(sizes::WIDTH, 1));
}

fn main() {
    let _ = (Net::ZERO, Other::ZERO);
}
