// A skip connection written as a layer (`Residual(...)`, `Add`): the message shows how to write
// one in `fn forward`.

nncore::sequential! {
    pub struct Net { fc: Linear(4, 4), res: Residual(Linear(4, 4)), add: Add }
}

fn main() {}
