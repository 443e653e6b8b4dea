// Two models of one name in one `sequential!`: one error, on the second name; the first model is
// written, so code using the name reports nothing more. (Two `sequential!` in one module that
// declare the same name are rustc's E0428 first; see docs/compile-errors.md.)

nncore::sequential! {
    pub struct Net { hidden: Linear(1, 13), act: Tanh, out: Linear(13, 1) }
    pub struct Net { hidden: Linear(1, 8), act: ReLU, out: Linear(8, 1) }
}

fn main() {
    println!("{:?}", Net::ZERO.forward(&[1.0]));
}
