#!/usr/bin/python3
"""Reference workloads for ActorGrad's performance comparison, run in PyTorch on the CPU.

Needs Debian's PyTorch with OpenBLAS as the system BLAS:
    apt-get install -y python3-torch libopenblas0-pthread
and Debian's own interpreter (/usr/bin/python3), which is the one that imports that torch.

Prints one line per workload: NAME<TAB>MICROSECONDS_PER_ITERATION (median of repeated timed batches).
ActorGrad's peer runner (`dotnet run -c Release --project bench/ActorGrad.Bench -- peer`) runs the
same workloads through ActorGrad's public API, with the same shapes, the same meaning of one
iteration and the same timing method, and prints the same format; bench/compare.sh divides the two
line by line. This file is the project's copy of the workloads it was given to compare against.
"""
import os, statistics, sys, time
import torch

torch.set_num_threads(2)
torch.manual_seed(0)


# Warm-up: three calls, then calls until PEER_WARMUP_S seconds (default 2) have passed. The same rule
# runs on ActorGrad's side, whose JIT recompiles hot code with profile data during the first second;
# PEER_WARMUP_S=0 gives the cold figures (three calls only).
try:
    WARMUP_S = float(os.environ.get("PEER_WARMUP_S") or "2")
    assert 0 <= WARMUP_S <= 3600
except (ValueError, AssertionError):
    sys.exit(f"PEER_WARMUP_S must be a number of seconds from 0 to 3600, not {os.environ['PEER_WARMUP_S']!r}.")


def bench(fn, batches=7, min_batch_s=0.2):
    t0 = time.perf_counter()
    for _ in range(3):
        fn()
    while time.perf_counter() - t0 < WARMUP_S:
        fn()
    times = []
    for _ in range(batches):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < min_batch_s:
            fn(); n += 1
        times.append((time.perf_counter() - t0) / n)
    return statistics.median(times)


# W1 seed_dot: the seeds' first example. x = arange(4) with gradient; y = 2 * dot(x, x);
# backward; read x.grad back to the host. One iteration = clear grad + all of that.
x = torch.arange(4.0, requires_grad=True)
def seed_dot():
    x.grad = None
    y = 2 * torch.dot(x, x)
    y.backward()
    return x.grad.tolist()

# W2 mlp_b256: 784-512-512-10 MLP, ReLU, batch 256, softmax cross-entropy (mean);
# one iteration = forward + backward to all six parameters + read the loss.
B = 256
X = torch.randn(B, 784)
T = torch.randint(0, 10, (B,))
Ws = [torch.randn(784, 512) * 0.05, torch.randn(512, 512) * 0.05, torch.randn(512, 10) * 0.05]
bs = [torch.zeros(512), torch.zeros(512), torch.zeros(10)]
params = Ws + bs
for p in params:
    p.requires_grad_(True)
def mlp_b256():
    for p in params:
        p.grad = None
    h = torch.relu(X @ Ws[0] + bs[0])
    h = torch.relu(h @ Ws[1] + bs[1])
    o = h @ Ws[2] + bs[2]
    loss = torch.nn.functional.cross_entropy(o, T)
    loss.backward()
    return loss.item()

# W3 eltwise_1M: 2^20 floats; four times h = tanh(h * 1.01 + 0.1); h = exp(-h * h);
# then sum and backward; read one gradient element.
v = torch.randn(1 << 20, requires_grad=True)
def eltwise_1M():
    v.grad = None
    h = v
    for _ in range(4):
        h = torch.tanh(h * 1.01 + 0.1)
        h = torch.exp(-h * h)
    h.sum().backward()
    return v.grad[0].item()

# W4 control_flow: the seeds' f(a) with a while loop and an if on values, a = 0.0139
# (17 doublings, as in seed 003); backward; read a.grad (131072).
a = torch.tensor(0.0139, requires_grad=True)
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c
def control_flow():
    a.grad = None
    d = f(a)
    d.backward()
    return a.grad.item()

# W5 gemm_512: C = A @ B, 512x512 by 512x512, float32, no gradient.
A = torch.randn(512, 512)
Bm = torch.randn(512, 512)
def gemm_512():
    return (A @ Bm)[0, 0].item()

WORKLOADS = [("seed_dot", seed_dot), ("mlp_b256", mlp_b256), ("eltwise_1M", eltwise_1M),
             ("control_flow", control_flow), ("gemm_512", gemm_512)]

if __name__ == "__main__":
    wanted = set(sys.argv[1:])
    assert control_flow() == 131072.0
    for name, fn in WORKLOADS:
        if not wanted or name in wanted:
            print(f"{name}\t{bench(fn) * 1e6:.1f}", flush=True)
