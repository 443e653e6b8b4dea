//! PyTorch's modules that are not layers of the macro, and what to write instead.

/// A loss written as a layer: what to do with it.
const LOSS: &str = "a loss is not a layer: end the model with its output and pass `nncore::{}` to training (`model.backward_loss(&loss_fn, ...)`)";

/// A skip connection written as a layer: how to write one.
const SKIP: &str = "a skip connection is not a layer: declare the layers, then write how values flow after them in `fn forward`, as PyTorch's `def forward`, with `+` adding two values of one shape: `fn forward(x) { x + fc(x) }` (see the README's \"Blocks, residual connections and nested models\")";

/// PyTorch modules the macro does not have, and what to write instead.
pub const INSTEAD: &[(&str, &str)] = &[
    ("Residual", SKIP),
    ("Add", SKIP),
    ("Sum", SKIP),
    ("Shortcut", SKIP),
    ("SkipConnection", SKIP),
    ("CrossEntropyLoss", LOSS),
    ("NLLLoss", LOSS),
    ("MSELoss", LOSS),
    ("L1Loss", LOSS),
    ("HuberLoss", LOSS),
    ("SmoothL1Loss", LOSS),
    ("BCEWithLogitsLoss", LOSS),
    (
        "BCELoss",
        "a loss is not a layer, and `BCELoss` is not supported: end the model with its logits (no `Sigmoid`) and pass `nncore::BCEWithLogitsLoss` to training, which is the numerically stable form",
    ),
    (
        "Sequential",
        "`sequential!` is PyTorch's `nn.Sequential`: list the layers directly",
    ),
    (
        "ModuleList",
        "`sequential!` declares one chain of layers: list them directly",
    ),
    (
        "Dropout1d",
        "use `Dropout`, which zeroes single values rather than whole channels",
    ),
    (
        "Dropout2d",
        "use `Dropout`, which zeroes single values rather than whole channels",
    ),
    (
        "LazyLinear",
        "use `Linear(in_features, out_features)`: the macro needs both sizes",
    ),
    (
        "LazyConv1d",
        "use `Conv1d(in_channels, out_channels, kernel_size)`: the macro needs the channels",
    ),
    (
        "LazyConv2d",
        "use `Conv2d(in_channels, out_channels, kernel_size)`: the macro needs the channels",
    ),
    (
        "AdaptiveMaxPool1d",
        "not supported; `AdaptiveAvgPool1d` and `MaxPool1d` are",
    ),
    (
        "AdaptiveMaxPool2d",
        "not supported; `AdaptiveAvgPool2d` and `MaxPool2d` are",
    ),
    (
        "Conv3d",
        "not supported: samples have at most two spatial axes (`Conv1d`, `Conv2d`)",
    ),
    (
        "BatchNorm3d",
        "not supported: samples have at most two spatial axes (`BatchNorm1d`, `BatchNorm2d`)",
    ),
    (
        "ConvTranspose1d",
        "not supported (no transposed convolutions); `Conv1d` is",
    ),
    (
        "ConvTranspose2d",
        "not supported (no transposed convolutions); `Conv2d` is",
    ),
    (
        "LayerNorm",
        "not supported; `BatchNorm1d` normalizes over the batch",
    ),
    (
        "GroupNorm",
        "not supported; `BatchNorm2d` normalizes over the batch",
    ),
    (
        "InstanceNorm1d",
        "not supported; `BatchNorm1d` normalizes over the batch",
    ),
    (
        "InstanceNorm2d",
        "not supported; `BatchNorm2d` normalizes over the batch",
    ),
    (
        "ConstantPad1d",
        "not supported; `ZeroPad1d` pads with zeros",
    ),
    (
        "ConstantPad2d",
        "not supported; `ZeroPad2d` pads with zeros",
    ),
    (
        "ReflectionPad1d",
        "not supported; `ZeroPad1d` pads with zeros",
    ),
    (
        "ReflectionPad2d",
        "not supported; `ZeroPad2d` pads with zeros",
    ),
    (
        "ReplicationPad1d",
        "not supported; `ZeroPad1d` pads with zeros",
    ),
    (
        "ReplicationPad2d",
        "not supported; `ZeroPad2d` pads with zeros",
    ),
    (
        "ZeroPad3d",
        "not supported: samples have at most two spatial axes (`ZeroPad1d`, `ZeroPad2d`)",
    ),
    (
        "Unflatten",
        "not supported: a model's shapes only get flatter (`Flatten`)",
    ),
    (
        "Hardtanh",
        "not supported; `ReLU6` is `Hardtanh(0, 6)`, and `Tanh` the smooth form",
    ),
    (
        "PReLU",
        "not supported (its slope is a parameter); `LeakyReLU(slope)` has a fixed slope",
    ),
    ("SELU", "not supported; `ELU(alpha)` is the unscaled form"),
    ("CELU", "not supported; `ELU(alpha)` is close"),
    ("Mish", "not supported; `SiLU` is the closest"),
    (
        "LogSigmoid",
        "not supported; `Sigmoid`, or `BCEWithLogitsLoss` for a loss on logits",
    ),
    (
        "Softmin",
        "not supported; `Softmax(dim = 1)` of the negated output is the same",
    ),
    (
        "Embedding",
        "not supported: a model's input is `f32` values; one-hot inputs into a `Linear(vocabulary, dim, bias = false)` compute the same",
    ),
    (
        "RNN",
        "not supported: no recurrent layers; `Conv1d` handles sequences",
    ),
    (
        "LSTM",
        "not supported: no recurrent layers; `Conv1d` handles sequences",
    ),
    (
        "GRU",
        "not supported: no recurrent layers; `Conv1d` handles sequences",
    ),
    ("MultiheadAttention", "not supported: no attention layers"),
    ("Transformer", "not supported: no attention layers"),
];

/// What to write instead of the PyTorch module `name`, if the macro has an answer; the loss
/// names the type to train with.
pub fn instead(name: &str) -> Option<String> {
    let (_, advice) = INSTEAD.iter().find(|(known, _)| *known == name)?;
    Some(advice.replace("{}", name))
}

/// A note on a loss written after the layer `before`: PyTorch's losses on logits apply the
/// final activation themselves.
pub fn note_after(loss: &str, before: &str) -> Option<String> {
    let note = match (loss, before) {
        ("CrossEntropyLoss", "Softmax") => {
            "drop the `Softmax` before it too: `CrossEntropyLoss` takes the logits and applies log-softmax itself, so after a `Softmax` it would learn from squashed probabilities".to_owned()
        }
        ("CrossEntropyLoss", "LogSoftmax") => {
            "after `LogSoftmax`, the loss is `NLLLoss`: `CrossEntropyLoss` is `LogSoftmax` and `NLLLoss` in one".to_owned()
        }
        ("NLLLoss", "Softmax") => {
            "`NLLLoss` takes log-probabilities: end the model with `LogSoftmax(dim = 1)` rather than `Softmax`".to_owned()
        }
        ("BCEWithLogitsLoss", "Sigmoid") => {
            "drop the `Sigmoid` before it too: `BCEWithLogitsLoss` takes the logits and applies the sigmoid itself".to_owned()
        }
        _ => return None,
    };
    Some(note)
}

#[cfg(test)]
mod tests {
    use super::INSTEAD;
    use crate::catalog::LAYERS;

    /// A layer the macro has is never also listed as one it does not have.
    #[test]
    fn no_unsupported_name_is_a_layer() {
        for (name, _) in INSTEAD {
            assert!(
                LAYERS.iter().all(|def| def.name != *name),
                "`{name}` is a layer and is listed as unsupported"
            );
        }
        for name in [
            "ReLU6",
            "Hardswish",
            "Hardsigmoid",
            "ZeroPad1d",
            "ZeroPad2d",
        ] {
            assert!(LAYERS.iter().any(|def| def.name == name), "{name}");
        }
    }
}
