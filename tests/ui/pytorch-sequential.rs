// `nn.Sequential(...)`: around the layers of a struct, it is read as the list inside (whose
// mistakes are still reported); written in Python's place of a struct, or a Python `class`,
// the error says what to write.

nncore::sequential! {
    pub struct Net(nn.Sequential(Linear(1, 13), Tanh, Linear(12, 1)));
}

nncore::sequential! {
    model = nn.Sequential(nn.Linear(1, 13), nn.Tanh(), nn.Linear(13, 1))
}

nncore::sequential! {
    class Classifier(nn.Module): pass
}

fn main() {
    let _ = (Net::ZERO, Classifier::ZERO);
}
