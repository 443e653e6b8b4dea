"""The workloads of `benches/reference.rs` (W8 ResNet-8, W9 DS-CNN, W10 MobileNetV1 0.25x) in
PyTorch, the same models layer for layer as `examples/mlperf_tiny/models.rs` declares them.

Usage: python scripts/bench_reference_torch.py [threads]   (needs torch; prints RESULT lines,
medians of 7 runs). Forwards in eval mode under no_grad; training steps in train mode, on 32
samples uniform in [0, 1) with uniform labels, cross-entropy, then the optimizer's step.
"""
import statistics
import sys
import time

import torch
from torch import nn

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(0)


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3)


def ds_block(cin, cout, stride):
    """Depthwise 3x3 ('same': padding 1 at stride 1, ZeroPad2d((0, 1, 0, 1)) at stride 2),
    BatchNorm, ReLU, pointwise 1x1, BatchNorm, ReLU."""
    layers = []
    if stride == 2:
        layers += [nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(cin, cin, 3, stride=2, groups=cin)]
    else:
        layers += [nn.Conv2d(cin, cin, 3, padding=1, groups=cin)]
    layers += [bn(cin), nn.ReLU(), nn.Conv2d(cin, cout, 1), bn(cout), nn.ReLU()]
    return nn.Sequential(*layers)


def ds_cnn():
    return nn.Sequential(
        nn.ZeroPad2d((1, 1, 4, 5)), nn.Conv2d(1, 64, (10, 4), stride=2), bn(64), nn.ReLU(),
        nn.Dropout(0.2),
        *[ds_block(64, 64, 1) for _ in range(4)],
        nn.Dropout(0.4), nn.AvgPool2d((24, 5)), nn.Flatten(), nn.Linear(64, 12))


def mobilenet():
    spec = [(8, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2)]
    spec += [(128, 128, 1)] * 5 + [(128, 256, 2), (256, 256, 1)]
    return nn.Sequential(
        nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(3, 8, 3, stride=2), bn(8), nn.ReLU(),
        *[ds_block(a, b, s) for a, b, s in spec],
        nn.AvgPool2d(3), nn.Flatten(), nn.Linear(256, 2))


class Stack(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        first = cin == cout
        self.pad = None if first else nn.ZeroPad2d((0, 1, 0, 1))
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1) if first else nn.Conv2d(cin, cout, 3, stride=2)
        self.bn1, self.relu = bn(cout), nn.ReLU()
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, padding=1), bn(cout)
        self.shortcut = None if first else nn.Conv2d(cin, cout, 1, stride=2)

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x if self.pad is None else self.pad(x))))
        y = self.bn2(self.conv2(y))
        return self.relu((x if self.shortcut is None else self.shortcut(x)) + y)


def resnet8():
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), bn(16), nn.ReLU(),
        Stack(16, 16), Stack(16, 32), Stack(32, 64),
        nn.AvgPool2d(8), nn.Flatten(), nn.Linear(64, 10))


def t(reps, inner, f):
    for _ in range(min(inner, 20)):
        f()
    out = []
    for _ in range(reps):
        s = time.perf_counter()
        for _ in range(inner):
            f()
        out.append((time.perf_counter() - s) / inner)
    return statistics.median(out)


def bench(name, model, shape, classes, opt):
    xs = torch.rand(32, *shape)
    ys = torch.randint(0, classes, (32,))
    x0 = xs[:1]
    model.eval()
    with torch.no_grad():
        one = t(7, 200, lambda: model(x0))
        b32 = t(7, 10, lambda: model(xs))
    model.train()
    lf = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        lf(model(xs), ys).backward()
        opt.step()

    st = t(7, 5, step)
    print(f"RESULT torch {name} one_sample_us={one*1e6:.2f} batch32_ms={b32*1e3:.3f} "
          f"train_step32_ms={st*1e3:.3f} threads={torch.get_num_threads()}")


m = resnet8()
bench("W8", m, (3, 32, 32), 10, torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9))
m = ds_cnn()
bench("W9", m, (1, 49, 10), 12, torch.optim.Adam(m.parameters(), lr=1e-3))
m = mobilenet()
bench("W10", m, (3, 96, 96), 2, torch.optim.Adam(m.parameters(), lr=1e-3))
