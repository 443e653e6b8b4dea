// One layer applied to values of two shapes (an activation shared by the 8-wide hidden layer
// and the 4-wide sum): one error on the second application, naming both shapes.

nncore::sequential! {
    pub struct Block {
        fc1: Linear(4, 8),
        act: Tanh,
        fc2: Linear(8, 4),
    }
    fn forward(x) { act(x + fc2(act(fc1(x)))) }
}

fn main() {}
