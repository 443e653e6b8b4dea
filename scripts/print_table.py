"""Writes `tests/print_table/table.rs`: every layer `sequential!` knows, with every form of its
arguments, beside what PyTorch's `print` shows for the same layer. `tests/print_table.rs`
declares each row's layer and compares its printed form with PyTorch's.

Run by hand where torch is installed (CI does not have it):

    python3 scripts/print_table.py
"""

from pathlib import Path

import torch
from torch import nn

# (the sample shape, the layer in `sequential!`, the same layer in PyTorch)
ROWS = [
    ((4,), "Linear(4, 3)", nn.Linear(4, 3)),
    ((4,), "Linear(4, 3, bias = false)", nn.Linear(4, 3, bias=False)),
    ((4,), "Linear(in_features = 4, out_features = 3, bias = true)", nn.Linear(in_features=4, out_features=3, bias=True)),
    ((3, 16), "Conv1d(3, 6, 5)", nn.Conv1d(3, 6, 5)),
    ((3, 16), "Conv1d(3, 6, 5, padding = \"same\", bias = false)", nn.Conv1d(3, 6, 5, padding="same", bias=False)),
    ((3, 16), "Conv1d(3, 6, 5, padding = \"valid\")", nn.Conv1d(3, 6, 5, padding="valid")),
    ((3, 16), "Conv1d(3, 6, 1, padding = \"same\")", nn.Conv1d(3, 6, 1, padding="same")),
    ((3, 16), "Conv1d(3, 6, (5,), stride = (2,), padding = (1,))", nn.Conv1d(3, 6, (5,), stride=(2,), padding=(1,))),
    ((3, 16), "Conv1d(3, 6, 3, 2, 1)", nn.Conv1d(3, 6, 3, 2, 1)),
    ((4, 16), "Conv1d(4, 8, 3, dilation = 2, groups = 2)", nn.Conv1d(4, 8, 3, dilation=2, groups=2)),
    ((4, 16), "Conv1d(4, 4, 3, padding = 0, groups = 4, bias = false, padding_mode = \"zeros\")", nn.Conv1d(4, 4, 3, padding=0, groups=4, bias=False, padding_mode="zeros")),
    ((3, 8, 8), "Conv2d(3, 6, 3)", nn.Conv2d(3, 6, 3)),
    ((3, 8, 8), "Conv2d(3, 6, (3, 5), stride = (1, 2), padding = (1, 2))", nn.Conv2d(3, 6, (3, 5), stride=(1, 2), padding=(1, 2))),
    ((3, 8, 8), "Conv2d(3, 6, 3, padding = \"same\")", nn.Conv2d(3, 6, 3, padding="same")),
    ((3, 8, 8), "Conv2d(3, 6, 3, padding = \"valid\", bias = false)", nn.Conv2d(3, 6, 3, padding="valid", bias=False)),
    ((3, 8, 8), "Conv2d(3, 6, (1, 3), padding = \"same\")", nn.Conv2d(3, 6, (1, 3), padding="same")),
    ((4, 16, 16), "Conv2d(4, 8, 3, stride = 2, padding = 1, dilation = 2, groups = 2, bias = false)", nn.Conv2d(4, 8, 3, stride=2, padding=1, dilation=2, groups=2, bias=False)),
    ((4, 8, 8), "Conv2d(in_channels = 4, out_channels = 4, kernel_size = 3, groups = 4)", nn.Conv2d(in_channels=4, out_channels=4, kernel_size=3, groups=4)),
    ((3, 16), "MaxPool1d(2)", nn.MaxPool1d(2)),
    ((3, 16), "MaxPool1d((2,))", nn.MaxPool1d((2,))),
    ((3, 16), "MaxPool1d(3, stride = 2, padding = 1)", nn.MaxPool1d(3, stride=2, padding=1)),
    ((3, 16), "MaxPool1d(3, 1, 1)", nn.MaxPool1d(3, 1, 1)),
    ((3, 16), "MaxPool1d(kernel_size = (3,), stride = (2,), padding = (1,))", nn.MaxPool1d(kernel_size=(3,), stride=(2,), padding=(1,))),
    ((3, 16), "MaxPool1d(2, stride = None, dilation = 1, ceil_mode = false)", nn.MaxPool1d(2, stride=None, dilation=1, ceil_mode=False)),
    ((3, 8, 8), "MaxPool2d(2)", nn.MaxPool2d(2)),
    ((3, 8, 8), "MaxPool2d((2, 2))", nn.MaxPool2d((2, 2))),
    ((3, 8, 8), "MaxPool2d((2, 3))", nn.MaxPool2d((2, 3))),
    ((3, 8, 8), "MaxPool2d(3, stride = 2, padding = 1)", nn.MaxPool2d(3, stride=2, padding=1)),
    ((3, 8, 8), "MaxPool2d(2, stride = (1, 2))", nn.MaxPool2d(2, stride=(1, 2))),
    ((3, 8, 8), "MaxPool2d(3, stride = 1, padding = (1, 0))", nn.MaxPool2d(3, stride=1, padding=(1, 0))),
    ((3, 8, 8), "MaxPool2d((2, 2), stride = None)", nn.MaxPool2d((2, 2), stride=None)),
    ((3, 16), "AvgPool1d(2)", nn.AvgPool1d(2)),
    ((3, 16), "AvgPool1d((2,))", nn.AvgPool1d((2,))),
    ((3, 16), "AvgPool1d(3, stride = 1, padding = 1)", nn.AvgPool1d(3, stride=1, padding=1)),
    ((3, 8, 8), "AvgPool2d(2)", nn.AvgPool2d(2)),
    ((3, 8, 8), "AvgPool2d((2, 2))", nn.AvgPool2d((2, 2))),
    ((3, 8, 8), "AvgPool2d((2, 3), stride = (1, 2))", nn.AvgPool2d((2, 3), stride=(1, 2))),
    ((3, 8, 8), "AvgPool2d(3, stride = 1, padding = 1, ceil_mode = false, count_include_pad = true)", nn.AvgPool2d(3, stride=1, padding=1, ceil_mode=False, count_include_pad=True)),
    ((3, 16), "AdaptiveAvgPool1d(1)", nn.AdaptiveAvgPool1d(1)),
    ((3, 16), "AdaptiveAvgPool1d((1,))", nn.AdaptiveAvgPool1d((1,))),
    ((3, 16), "AdaptiveAvgPool1d(output_size = 5)", nn.AdaptiveAvgPool1d(output_size=5)),
    ((3, 8, 8), "AdaptiveAvgPool2d(1)", nn.AdaptiveAvgPool2d(1)),
    ((3, 8, 8), "AdaptiveAvgPool2d((1, 1))", nn.AdaptiveAvgPool2d((1, 1))),
    ((3, 8, 8), "AdaptiveAvgPool2d((2, 3))", nn.AdaptiveAvgPool2d((2, 3))),
    ((3, 16), "ZeroPad1d(1)", nn.ZeroPad1d(1)),
    ((3, 16), "ZeroPad1d((2, 0))", nn.ZeroPad1d((2, 0))),
    ((3, 8, 8), "ZeroPad2d(1)", nn.ZeroPad2d(1)),
    ((3, 8, 8), "ZeroPad2d((1, 1, 2, 0))", nn.ZeroPad2d((1, 1, 2, 0))),
    ((3, 8, 8), "ZeroPad2d(padding = (0, 1, 0, 1))", nn.ZeroPad2d(padding=(0, 1, 0, 1))),
    ((4,), "BatchNorm1d(4)", nn.BatchNorm1d(4)),
    ((4,), "BatchNorm1d(4, eps = 1e-3, momentum = 0.01)", nn.BatchNorm1d(4, eps=1e-3, momentum=0.01)),
    ((4,), "BatchNorm1d(4, eps = 1, momentum = 1)", nn.BatchNorm1d(4, eps=1, momentum=1)),
    ((4,), "BatchNorm1d(4, 0.001, 0.2, true, true)", nn.BatchNorm1d(4, 0.001, 0.2, True, True)),
    ((4, 16), "BatchNorm1d(num_features = 4, affine = true, track_running_stats = true)", nn.BatchNorm1d(num_features=4, affine=True, track_running_stats=True)),
    ((3, 8, 8), "BatchNorm2d(3)", nn.BatchNorm2d(3)),
    ((3, 8, 8), "BatchNorm2d(3, eps = 1e-3, momentum = 0.99)", nn.BatchNorm2d(3, eps=1e-3, momentum=0.99)),
    ((3, 8, 8), "BatchNorm2d(3, eps = 0.00001)", nn.BatchNorm2d(3, eps=0.00001)),
    ((4,), "Dropout", nn.Dropout()),
    ((4,), "Dropout(0.2)", nn.Dropout(0.2)),
    ((4,), "Dropout(p = 0.25)", nn.Dropout(p=0.25)),
    ((4,), "Dropout(1)", nn.Dropout(1)),
    ((4,), "Dropout(0)", nn.Dropout(0)),
    ((4,), "Dropout(0.2, inplace = true)", nn.Dropout(0.2, inplace=True)),
    ((4,), "Dropout(0.2, true)", nn.Dropout(0.2, True)),
    ((4,), "Dropout(inplace = false)", nn.Dropout(inplace=False)),
    ((3, 4, 4), "Flatten", nn.Flatten()),
    ((3, 4, 4), "Flatten()", nn.Flatten()),
    ((3, 4, 4), "Flatten(start_dim = 1, end_dim = -1)", nn.Flatten(start_dim=1, end_dim=-1)),
    ((3, 4, 4), "Flatten(1)", nn.Flatten(1)),
    ((4,), "Tanh", nn.Tanh()),
    ((4,), "ReLU", nn.ReLU()),
    ((4,), "ReLU(inplace = true)", nn.ReLU(inplace=True)),
    ((4,), "ReLU(true)", nn.ReLU(True)),
    ((4,), "ReLU(inplace = false)", nn.ReLU(inplace=False)),
    ((4,), "ReLU6", nn.ReLU6()),
    ((4,), "ReLU6(inplace = true)", nn.ReLU6(inplace=True)),
    ((4,), "Sigmoid", nn.Sigmoid()),
    ((4,), "LeakyReLU", nn.LeakyReLU()),
    ((4,), "LeakyReLU(0.1)", nn.LeakyReLU(0.1)),
    ((4,), "LeakyReLU(negative_slope = 1)", nn.LeakyReLU(negative_slope=1)),
    ((4,), "LeakyReLU(0.2, inplace = true)", nn.LeakyReLU(0.2, inplace=True)),
    ((4,), "LeakyReLU(0.2, true)", nn.LeakyReLU(0.2, True)),
    ((4,), "LeakyReLU(-0.5)", nn.LeakyReLU(-0.5)),
    ((4,), "LeakyReLU(0.123456789)", nn.LeakyReLU(0.123456789)),
    ((4,), "GELU", nn.GELU()),
    ((4,), "GELU(approximate = \"tanh\")", nn.GELU(approximate="tanh")),
    ((4,), "GELU(approximate = \"none\")", nn.GELU(approximate="none")),
    ((4,), "SiLU", nn.SiLU()),
    ((4,), "SiLU(inplace = true)", nn.SiLU(inplace=True)),
    ((4,), "Softplus", nn.Softplus()),
    ((4,), "Softplus(beta = 2, threshold = 10)", nn.Softplus(beta=2, threshold=10)),
    ((4,), "Softplus(2.0, 10.0)", nn.Softplus(2.0, 10.0)),
    ((4,), "Softplus(beta = 0.5)", nn.Softplus(beta=0.5)),
    ((4,), "Softplus(threshold = 5)", nn.Softplus(threshold=5)),
    ((4,), "ELU", nn.ELU()),
    ((4,), "ELU(0.5)", nn.ELU(0.5)),
    ((4,), "ELU(alpha = 1)", nn.ELU(alpha=1)),
    ((4,), "ELU(inplace = true)", nn.ELU(inplace=True)),
    ((4,), "ELU(2, true)", nn.ELU(2, True)),
    ((4,), "Hardswish", nn.Hardswish()),
    ((4,), "Hardswish(inplace = true)", nn.Hardswish(inplace=True)),
    ((4,), "Hardsigmoid", nn.Hardsigmoid()),
    ((4,), "Hardsigmoid(true)", nn.Hardsigmoid(True)),
    ((4,), "Identity", nn.Identity()),
    ((4,), "Softmax(dim = 1)", nn.Softmax(dim=1)),
    ((4,), "Softmax(dim = -1)", nn.Softmax(dim=-1)),
    ((4,), "LogSoftmax(dim = 1)", nn.LogSoftmax(dim=1)),
    ((4,), "LogSoftmax(-1)", nn.LogSoftmax(-1)),
]


def rust_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


lines = [
    f"// Written by scripts/print_table.py from PyTorch {torch.__version__.split('+')[0]}; do not edit.",
    "",
]
for i, (shape, rust, _) in enumerate(ROWS):
    dims = ", ".join(str(d) for d in shape)
    lines.append(f"nncore::sequential! {{ #[input({dims})] struct Row{i}({rust}); }}")
lines += [
    "",
    "/// Each row: the layer as declared, PyTorch's `print` of it, and the model's printed form.",
    "fn rows() -> Vec<(&'static str, &'static str, String)> {",
    "    vec![",
]
for i, (_, rust, module) in enumerate(ROWS):
    lines.append(f"        ({rust_string(rust)}, {rust_string(repr(module))}, Row{i}::ZERO.to_string()),")
lines += ["    ]", "}"]
out = Path(__file__).resolve().parent.parent / "tests" / "print_table" / "table.rs"
out.write_text("\n".join(lines) + "\n")
print(f"{len(ROWS)} rows written to {out}")
