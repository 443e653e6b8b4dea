"""Loads weights written by `nncore::io::save` into PyTorch with strict key checking.

Run by hand where torch is installed (CI does not have it):

    cargo run --example train_temp          # writes models/temp.safetensors
    python3 scripts/pytorch_load_check.py   # then compare with the embedded example:
    cargo run --release --example embedded -- 21.8 48.4 81.9
"""

from collections import OrderedDict
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn

root = Path(__file__).resolve().parent.parent
model = nn.Sequential(OrderedDict([
    ("hidden_linear", nn.Linear(1, 13)),
    ("hidden_activ", nn.Tanh()),
    ("output_linear", nn.Linear(13, 1)),
]))
state = load_file(root / "models" / "temp.safetensors")
print(model.load_state_dict(state, strict=True))
for name, tensor in state.items():
    print(name, tuple(tensor.shape), tensor.dtype)
readings = torch.tensor([[21.8], [48.4], [81.9]])
with torch.no_grad():
    for reading, celsius in zip(readings.flatten().tolist(), model(0.1 * readings).flatten().tolist()):
        print(f"{reading} -> {celsius:.4f} °C")
