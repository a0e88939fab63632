#!/usr/bin/env python3
"""Values and gradients of every op of ActorGrad's op table at extreme inputs, measured with PyTorch.

Writes ../EdgeValueExpectations.cs (the constants EdgeValueTests compares against). Rerun with
    /usr/bin/python3 tests/ActorGrad.Nodes.Tests/tools/edge_values.py
Each case: the op-table name it covers, its float32 inputs, the value of f(inputs) and the gradient of
f(inputs).sum() with respect to each input (zeros where PyTorch has no gradient, e.g. argmax, or an index).
The case names are the keys of EdgeValueTests.Builders, which builds the same function in ActorGrad.
"""
import math
import os
import torch

INF = math.inf
SUB = 1e-40  # a float32 subnormal
EDGES = [100.0, -100.0, 0.0, -0.0, SUB, -SUB, 1.0, -1.0, INF, -INF]
ROWS = [[100.0, -100.0, 0.0], [0.0, -0.0, 0.0], [SUB, -SUB, 0.0], [INF, 1.0, -INF], [-INF, -INF, -INF], [-100.0, -100.0, -100.0]]
PAIRS_A = [a for a in EDGES for _ in EDGES]
PAIRS_B = [b for _ in EDGES for b in EDGES]


def t(values, shape=None, grad=True):
    x = torch.tensor(values, dtype=torch.float32)
    if shape is not None:
        x = x.reshape(shape)
    return x.requires_grad_(grad)


def idx(values, shape=None):
    x = torch.tensor(values, dtype=torch.int64)
    return x.reshape(shape) if shape is not None else x


CASES = []


def case(name, op, inputs, f, differentiable=None):
    """inputs: float tensors (requires_grad unless listed as not differentiable)."""
    y = f(*inputs)
    grads = []
    if y.requires_grad:
        y.sum().backward()
    for x in inputs:
        g = x.grad if x.requires_grad and x.grad is not None else torch.zeros_like(x)
        grads.append(g.detach().reshape(-1).tolist())
    CASES.append((name, op, [(x.detach().reshape(-1).tolist(), list(x.shape)) for x in inputs],
                  y.detach().float().reshape(-1).tolist(), list(y.shape), grads))


E = lambda: t(EDGES)
M = lambda: t(sum(ROWS, []), [6, 3])

for name in ["neg", "exp", "log", "sin", "cos", "tanh", "sqrt", "abs", "relu", "sigmoid"]:
    case(name, name, [E()], getattr(torch, name))
case("softplus", "softplus", [E()], torch.nn.functional.softplus)
case("logsigmoid", "logsigmoid", [E()], torch.nn.functional.logsigmoid)

for name, f in [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul), ("div", torch.div), ("pow", torch.pow),
                ("maximum", torch.maximum), ("minimum", torch.minimum)]:
    case(name, name, [t(PAIRS_A), t(PAIRS_B)], f)
case("pow_self", "pow", [E()], lambda x: x.pow(x))
case("pow_2", "pow", [E()], lambda x: x.pow(2.0))
case("pow_0", "pow", [E()], lambda x: x.pow(0.0))
case("pow_half", "pow", [E()], lambda x: x.pow(0.5))
case("pow_base_2", "pow", [E()], lambda x: torch.pow(2.0, x))

case("where", "where", [t([1.0, 0.0] * 5, grad=False), E(), t(EDGES[::-1])], lambda c, a, b: torch.where(c != 0, a, b))
case("clamp", "clamp", [E()], lambda x: x.clamp(-1.0, 1.0))
case("clamp_min", "clamp", [E()], lambda x: x.clamp(min=0.0))

case("sum", "sum", [E()], lambda x: x.sum())
case("sum_rows", "sum", [M()], lambda x: x.sum(-1))
case("max", "max", [E()], lambda x: x.amax())
case("max_rows", "max", [M()], lambda x: x.amax(-1))
case("min_rows", "min", [M()], lambda x: x.amin(-1))
case("logsumexp", "logsumexp", [E()], lambda x: x.logsumexp(0))
case("logsumexp_rows", "logsumexp", [M()], lambda x: x.logsumexp(-1))
case("norm", "norm", [E()], lambda x: x.norm())
case("norm_zero", "norm", [t([0.0, -0.0, 0.0])], lambda x: x.norm())
case("norm_finite", "norm", [t([100.0, -100.0, 0.0, -0.0, 1.0])], lambda x: x.norm())
case("argmax", "argmax", [E()], lambda x: x.argmax().float())
case("argmax_rows", "argmax", [M()], lambda x: x.argmax(-1).float())
case("argmin_rows", "argmin", [M()], lambda x: x.argmin(-1).float())
case("sort", "sort", [E()], lambda x: x.sort(stable=True).values)
case("sort_rows_descending", "sort", [M()], lambda x: x.sort(stable=True, dim=-1, descending=True).values)
case("topk", "topk", [E()], lambda x: x.topk(3).values)
case("topk_smallest", "topk", [E()], lambda x: x.topk(3, largest=False).values)

case("matmul", "matmul", [t([100.0, -100.0, 0.0, SUB, 1.0, -1.0, 0.5, 2.0, -0.0, 3.0], [2, 5]),
                          t([1.0, -1.0, SUB, 0.0, 2.0, 100.0, -0.0, 0.5, 1.0, 1.0], [5, 2])], torch.matmul)
case("reshape", "reshape", [E()], lambda x: x.reshape(2, 5))
case("permute", "permute", [t(EDGES, [2, 5])], lambda x: x.permute(1, 0))
case("index_select", "index_select", [E()], lambda x: x.index_select(0, idx([9, 0, 0, 3])))
case("index_add", "index_add", [t(EDGES[:3])], lambda s: torch.zeros(10).index_add(0, idx([1, 1, 4]), s))
case("gather", "gather", [M()], lambda x: x.gather(1, idx([2, 0, 1, 1, 0, 2], [6, 1])))
case("scatter_add", "scatter_add", [t(EDGES[:6], [6, 1])], lambda s: torch.zeros(6, 3).scatter_add(1, idx([2, 0, 1, 1, 0, 2], [6, 1]), s))
case("concat", "concat", [t(EDGES[:4]), t(EDGES[4:])], lambda a, b: torch.cat([a, b], 0))


def lit(v):
    if math.isnan(v):
        return "float.NaN"
    if math.isinf(v):
        return "float.PositiveInfinity" if v > 0 else "float.NegativeInfinity"
    if v == 0:
        return "-0f" if math.copysign(1, v) < 0 else "0f"
    return repr(float(torch.tensor(v, dtype=torch.float32).item())) + "f"


def arr(values, kind="float"):
    if kind == "int":
        return "[" + ", ".join(str(v) for v in values) + "]"
    return "[" + ", ".join(lit(v) for v in values) + "]"


lines = [
    "// <auto-generated> by tests/ActorGrad.Nodes.Tests/tools/edge_values.py with PyTorch "
    f"{torch.__version__} (CPU, float32); rerun the script to regenerate. </auto-generated>",
    "namespace ActorGrad.Nodes.Tests;",
    "",
    "internal static class EdgeValueExpectations",
    "{",
    "    public static readonly EdgeCase[] Cases =",
    "    [",
]
for name, op, inputs, value, shape, grads in CASES:
    ins = ", ".join(f"new EdgeInput({arr(v)}, {arr(s, 'int')})" for v, s in inputs)
    gs = ", ".join(arr(g) for g in grads)
    lines.append(f"        new(\"{name}\", \"{op}\", [{ins}],")
    lines.append(f"            {arr(value)}, {arr(shape, 'int')},")
    lines.append(f"            [{gs}]),")
lines += ["    ];", "}", ""]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "EdgeValueExpectations.cs")
with open(out, "w") as f:
    f.write("\n".join(lines))
print(f"{len(CASES)} cases written to {os.path.normpath(out)}")
