"""W6 and W7 of BENCHMARKS.md in PyTorch, on one thread (or the number given).

W6: the MLPerf Tiny anomaly-detection autoencoder without BatchNorm
(640-128-128-128-128-8-128-128-128-128-640, ReLU between), inputs uniform in [0, 1): one sample
forward, a batch of 512 forward (both under no_grad), and a training step on the batch of 512
(zero_grad, MSE against the input, backward, Adam lr 1e-3).
W7: the convolutional net of chapter 8 of "Deep Learning with PyTorch" on 32x32 RGB inputs
uniform in [-1, 1): a batch of 64 forward (no_grad), and a training step on it (zero_grad,
cross-entropy against random labels 0/1, backward, SGD lr 1e-2).

Each figure is the median of 15 timings, each timing a loop of calls, after a warm-up.
Usage: python3 scripts/bench_torch.py [threads]
Needs `torch` (CPU is enough): python3 -m venv V && V/bin/pip install torch
"""
import statistics
import sys
import time

import torch
from torch import nn

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(0)


def timed(calls, f, reps=15):
    """Median seconds per call of `f` over `reps` loops of `calls` calls, after a warm-up."""
    for _ in range(max(calls, 3)):
        f()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(calls):
            f()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def report(name, seconds, unit="us"):
    scale = {"us": 1e6, "ms": 1e3}[unit]
    print(f"{name:<40} {seconds * scale:10.2f} {unit}")


# W6
dims = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640]
layers = []
for i in range(10):
    layers.append(nn.Linear(dims[i], dims[i + 1]))
    if i < 9:
        layers.append(nn.ReLU())
ae = nn.Sequential(*layers)
xs = torch.rand(512, 640)
x0 = xs[:1].clone()
with torch.no_grad():
    report("W6 one sample", timed(2000, lambda: ae(x0)))
    report("W6 batch of 512", timed(20, lambda: ae(xs)))
adam = torch.optim.Adam(ae.parameters(), lr=1e-3)
mse = nn.MSELoss()


def ae_step():
    adam.zero_grad()
    loss = mse(ae(xs), xs)
    loss.backward()
    adam.step()


report("W6 training step, batch of 512", timed(5, ae_step), "ms")

# W7
net = nn.Sequential(
    nn.Conv2d(3, 16, kernel_size=3, padding=1),
    nn.Tanh(),
    nn.MaxPool2d(2),
    nn.Conv2d(16, 8, kernel_size=3, padding=1),
    nn.Tanh(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(8 * 8 * 8, 32),
    nn.Tanh(),
    nn.Linear(32, 2),
)
images = torch.rand(64, 3, 32, 32) * 2 - 1
labels = torch.randint(0, 2, (64,))
with torch.no_grad():
    report("W7 batch of 64", timed(50, lambda: net(images)))
sgd = torch.optim.SGD(net.parameters(), lr=1e-2)
ce = nn.CrossEntropyLoss()


def net_step():
    sgd.zero_grad()
    loss = ce(net(images), labels)
    loss.backward()
    sgd.step()


report("W7 training step, batch of 64", timed(20, net_step))
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
