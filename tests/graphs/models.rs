//! The models the graph tests check: each is small, and each has one shape of graph. Most use
//! smooth activations, so that a finite difference never steps over a kink; `ReluTwice` has
//! ReLU and its own check that no step crosses one.

nncore::sequential! {
    /// `x + f(x)`: the identity shortcut.
    pub struct Residual {
        fc1: Linear(4, 6),
        act: Tanh,
        fc2: Linear(6, 4),
    }
    fn forward(x) { x + fc2(act(fc1(x))) }

    /// A nested model used twice (two fields of one type), after a layer with parameters: the
    /// input gradient of `a` reaches `stem`.
    pub struct Stack {
        stem: Linear(3, 4),
        act: Tanh,
        a: Residual,
        b: Residual,
        head: Linear(4, 2),
    }

    /// The same nested model applied twice: its parameters serve both applications.
    pub struct TwiceNested {
        block: Residual,
        head: Linear(4, 2),
    }
    fn forward(x) { head(block(block(x))) }
}

nncore::sequential! {
    /// A value used three times: `h` goes into `fc2`, into `fc3` and into the sum.
    pub struct ThreeUses {
        fc1: Linear(3, 5),
        act: Tanh,
        fc2: Linear(5, 5),
        fc3: Linear(5, 5),
        head: Linear(5, 2),
    }
    fn forward(x) {
        let h = act(fc1(x));
        head(fc2(h) + fc3(h) + h)
    }

    /// `h + h`: both gradients of one add reach the same value.
    pub struct Doubled {
        fc1: Linear(3, 4),
        act: SiLU,
        fc2: Linear(4, 2),
    }
    fn forward(x) {
        let h = act(fc1(x));
        fc2(h + h)
    }

    /// `x + x` on the input: the sum only shows in the input gradient.
    #[input(3)]
    pub struct InputTwice {
        fc: Linear(3, 2),
    }
    fn forward(x) { fc(x + x) }

    /// `InputTwice` after a layer: its input gradient is what trains `0`.
    pub struct AfterInputTwice(Linear(2, 3), GELU, InputTwice);

    /// A chain of `let` shadowing one name, Python's `out = ...; out = ...`; `act` is applied
    /// twice.
    pub struct Shadowing {
        fc1: Linear(3, 4),
        act: Tanh,
        fc2: Linear(4, 4),
        fc3: Linear(4, 2),
    }
    fn forward(x) {
        let h = fc1(x);
        let h = act(h);
        let h = fc2(h) + h;
        let h = act(h);
        fc3(h)
    }
}

nncore::sequential! {
    /// The innermost block: `x + act(fc(x))`.
    pub struct Inner {
        fc: Linear(4, 4),
        act: Tanh,
    }
    fn forward(x) { x + act(fc(x)) }

    /// Two levels: a nested model on one branch, a layer on the other.
    pub struct Middle {
        inner: Inner,
        fc: Linear(4, 4),
    }
    fn forward(x) {
        let h = inner(x);
        h + fc(x)
    }

    /// Three levels: `Outer.mid.inner.fc`.
    pub struct Outer {
        stem: Linear(3, 4),
        mid: Middle,
        head: Linear(4, 2),
    }
}

nncore::sequential! {
    /// The same parameterless layer before and after an add: `relu(fc2(relu(fc1(x))) + ...)`.
    pub struct ReluTwice {
        fc1: Linear(3, 4),
        relu: ReLU,
        fc2: Linear(4, 4),
        head: Linear(4, 2),
    }
    fn forward(x) {
        let h = relu(fc1(x));
        head(relu(fc2(h) + h))
    }

    /// A layer with parameters applied twice: its gradients are the sum of both uses.
    pub struct Shared {
        fc: Linear(4, 4),
        act: Tanh,
        head: Linear(4, 2),
    }
    fn forward(x) { head(fc(act(fc(x)))) }

    /// `Shared` unrolled: two layers where `Shared` has one applied twice.
    pub struct Unshared {
        fc_a: Linear(4, 4),
        act: Tanh,
        fc_b: Linear(4, 4),
        head: Linear(4, 2),
    }
}

nncore::sequential! {
    /// A first layer without parameters: the model's own backward never needs the gradient at
    /// its input, a model holding it does.
    #[input(3)]
    pub struct ParamlessFirst(Tanh, Linear(3, 2));

    /// A parameterless first layer in a graph, the input also going into the sum.
    #[input(3)]
    pub struct GateFirst {
        act: Sigmoid,
        fc: Linear(3, 3),
    }
    fn forward(x) { fc(act(x)) + x }

    /// Both after a layer with parameters, which only their input gradients train.
    pub struct AfterParamless {
        stem: Linear(2, 3),
        gate: GateFirst,
        tail: ParamlessFirst,
    }
}

nncore::sequential! {
    /// A convolution applied twice and an identity shortcut over images; no normalization, so
    /// training mode computes what evaluation mode does.
    #[input(2, 4, 4)]
    pub struct ConvResidual {
        conv: Conv2d(2, 2, 3, padding = 1),
        act: Tanh,
        pool: AvgPool2d(2),
        flatten: Flatten,
        fc: Linear(8, 2),
    }
    fn forward(x) {
        let h = x + act(conv(x));
        let h = conv(h) + h;
        fc(flatten(pool(h)))
    }
}

nncore::sequential! {
    /// The shortcut of a strided block: a 1×1 convolution at stride 2 and BatchNorm.
    #[input(2, 5, 5)]
    pub struct Downsample(Conv2d(2, 3, 1, stride = 2, bias = false), BatchNorm2d(3));

    /// torchvision's `BasicBlock` with a `downsample`, Tanh for ReLU.
    #[input(2, 5, 5)]
    #[module = "BasicBlock"]
    pub struct ConvBlock {
        conv1: Conv2d(2, 3, 3, stride = 2, padding = 1, bias = false),
        bn1: BatchNorm2d(3),
        act: Tanh,
        conv2: Conv2d(3, 3, 3, padding = 1, bias = false),
        bn2: BatchNorm2d(3),
        downsample: Downsample,
    }
    fn forward(x) {
        let out = act(bn1(conv1(x)));
        let out = bn2(conv2(out));
        act(out + downsample(x))
    }

    /// The block after a convolution, whose gradient comes through the block's input.
    #[input(1, 5, 5)]
    #[module]
    pub struct ConvNet {
        stem: Conv2d(1, 2, 3, padding = 1),
        block: ConvBlock,
        pool: AdaptiveAvgPool2d(1),
        flatten: Flatten,
        fc: Linear(3, 2),
    }
}

nncore::sequential! {
    /// A residual block with BatchNorm and Dropout inside.
    pub struct DropBlock {
        fc1: Linear(4, 6),
        bn: BatchNorm1d(6),
        act: Tanh,
        drop: Dropout(0.3),
        fc2: Linear(6, 4),
    }
    fn forward(x) { x + fc2(drop(act(bn(fc1(x))))) }

    /// The block between two layers.
    pub struct DropNet {
        stem: Linear(3, 4),
        block: DropBlock,
        head: Linear(4, 2),
    }
}

nncore::sequential! {
    /// A residual block wide enough that its backward blocks hold 6 samples (`block_size` in
    /// `nncore/src/heap.rs`: 32 KiB over twice its 612 values a sample), inside a model whose
    /// blocks hold 8: the model hands it blocks of 8, which it cuts into 6 and 2.
    pub struct Wide {
        fc1: Linear(4, 300),
        act: Tanh,
        fc2: Linear(300, 4),
    }
    fn forward(x) { x + fc2(act(fc1(x))) }

    pub struct WideStack {
        stem: Linear(3, 4),
        block: Wide,
        head: Linear(4, 2),
    }
}

nncore::sequential! {
    /// A nested model without parameters: `x + sigmoid(x)`.
    #[input(3)]
    pub struct Gate {
        act: Sigmoid,
    }
    fn forward(x) { x + act(x) }

    /// `Gate` between two layers: only its input gradient matters.
    pub struct Gated {
        fc1: Linear(2, 3),
        gate: Gate,
        fc2: Linear(3, 2),
    }

    /// A block with BatchNorm, applied twice: each application normalizes by its own batch's
    /// statistics, and both update the running ones, as calling a PyTorch module twice does.
    pub struct NormBlock {
        fc: Linear(4, 4),
        bn: BatchNorm1d(4),
        act: Tanh,
    }
    fn forward(x) { x + act(bn(fc(x))) }

    pub struct NormTwice {
        block: NormBlock,
        head: Linear(4, 2),
    }
    fn forward(x) { head(block(block(x))) }

    /// Dropout applied twice: two masks.
    #[input(4)]
    pub struct DropTwice {
        fc: Linear(4, 4),
        drop: Dropout(0.5),
        head: Linear(4, 2),
    }
    fn forward(x) { head(drop(fc(drop(x)))) }
}

/// The width of `ConstResidual`, a constant.
pub const WIDTH: usize = 4;
/// Its hidden width.
pub const HIDDEN: usize = 5;

nncore::sequential! {
    /// Sizes given by constants: the add's shapes are checked by the compiler.
    pub struct ConstResidual {
        fc1: Linear(WIDTH, HIDDEN),
        act: Tanh,
        fc2: Linear(HIDDEN, WIDTH),
    }
    fn forward(x) { x + fc2(act(fc1(x))) }

    pub struct ConstStack {
        stem: Linear(3, WIDTH),
        block: ConstResidual,
        head: Linear(WIDTH, 2),
    }
}
