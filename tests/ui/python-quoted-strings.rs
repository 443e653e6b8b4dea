// Python's single-quoted strings: rustc says to use double quotes, and the macro takes them as
// the strings meant, so that it says nothing more (the model is otherwise sound).

nncore::sequential! {
    #[input(3, 16)]
    pub struct Net {
        conv: Conv1d(3, 6, 5, padding = 'same', padding_mode = 'zeros'),
        act: GELU(approximate = 'tanh'),
        flat: Flatten,
        fc: Linear(96, 2),
    }
}

fn main() {}
