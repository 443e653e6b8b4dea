"""Writes files PyTorch writes that `tests/io` loads:

- `tests/io/batchnorm_without_count.safetensors`: the `state_dict` of a trained `Linear` +
  `BatchNorm1d` without `num_batches_tracked`, as PyTorch before 0.4.1 wrote it and as code that
  keeps only the parameters and running statistics does. PyTorch loads it with `strict=True`,
  the count left at the module's own (0 in a new one); `tests/io/buffers.rs` checks that nncore
  does too.
- `tests/io/torch_save.pt`: a `state_dict` written with `torch.save`, which is not safetensors;
  `tests/io/messages.rs` checks that the error says how to write safetensors instead.

Run by hand where torch and safetensors are installed (CI does not have them):

    python3 scripts/io_cases.py
"""

from collections import OrderedDict
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn


def model():
    return nn.Sequential(OrderedDict([("fc", nn.Linear(3, 4)), ("bn", nn.BatchNorm1d(4))]))


torch.manual_seed(0)
trained = model()
trained.train()
for _ in range(3):
    trained(torch.randn(8, 3))
state = {k: v for k, v in trained.state_dict().items() if not k.endswith("num_batches_tracked")}
path = Path(__file__).resolve().parent.parent / "tests" / "io" / "batchnorm_without_count.safetensors"
save_file(state, str(path))

fresh = model()
print(fresh.load_state_dict(state, strict=True))
print("num_batches_tracked after a strict load:", int(fresh.bn.num_batches_tracked))
print("keys:", sorted(state))

torch.manual_seed(0)
small = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 1))]))
torch.save(small.state_dict(), path.parent / "torch_save.pt")
