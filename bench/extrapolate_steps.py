#!/usr/bin/env python3
"""Extrapolates the gradient step time of `steps` (bench/ActorGrad.Bench) to 8..256 members.

Usage:
  dotnet run -c Release --project bench/ActorGrad.Bench -- steps | python3 bench/extrapolate_steps.py
  python3 bench/extrapolate_steps.py per_message_s=1.6e-4 per_byte_s=8.4e-10 compute_per_shard_s=0.0102 ...
  python3 bench/extrapolate_steps.py --file steps-output.txt [key=value ...]   (key=value overrides the file)

It reads the bench's "MODEL key=value ..." line (or the same keys as arguments): per_message_s, per_byte_s,
compute_per_shard_s (one shard of shard_examples examples, in-process), parameter_bytes (P), largest_parameter_bytes,
parameters (their count), batch_bytes (D), examples (the global batch), in_process_step_s.

ASSUMPTIONS (also printed):
  A1 Strong scaling: the global batch stays `examples`; there are max(8, N) shards, at least one per member, and
     compute per shard is linear in its examples (compute_per_shard_s scaled from shard_examples).
  A2 Each member is its own machine with the measured single-shard speed; the network's cost per byte and per
     message is the measured lane's on loopback (per_byte_s, per_message_s: half a 64-byte round trip), the same
     on every link, full duplex, no contention in the switch. A tensor message's byte costs per_byte_s plus
     encode_per_byte_s plus decode_per_byte_s (the serializer's, measured; 0 when not given), all on the path.
  A3 A sender pays per_message_s + bytes * per_byte_s for each message, one message after another (its link is
     serial); receivers on different members receive in parallel; a receiver's link is serial too.
  A4 No overlap between phases (an upper bound): the client sends every member the parameters (PrepareJob) and
     the shards; then the shards compute (each member its contiguous run); then the gradients are reduced; then the
     batch gradient goes to the client.
  A5 "chain" (the protocol as measured): run k's worker adds its shards to the sum of runs 0..k-1 it receives and
     sends the sum of 0..k on as one message with every parameter: N-1 hops one after another, then the last run's
     worker sends each parameter to the client. Each member receives the parameters once and sends each gradient
     once (the minimum bytes), but the hops are serial: the reduce's time grows with N.
     "chain, pipelined": the same sums, each hop forwarding a parameter's sum as soon as it is added (not built):
     the hops overlap but for the largest parameter, (N-1) x its transfer.
     "per-shard" (the protocol before the chain): every shard sends each parameter's gradient to the parameter's
     owner, which adds the S contributions in shard order (a (N-1)/N share crosses the network); the owner of the
     largest parameter receives (S-1) x (N-1)/N copies of it, its link the bottleneck when that exceeds the senders'.
  A6 Akka.Remote's small messages (ShardDone, OwnerReady, EndJob, gossip) are left out; so are GC pauses,
     stragglers and the machine's other load.
"""
import math
import sys

ASSUMPTIONS = __doc__[__doc__.index("ASSUMPTIONS"):].rstrip()
MEMBERS = [8, 16, 32, 64, 128, 256]
DEFAULTS = {  # the 784-512-512-10 MLP, batch 1024 (used for keys the input does not give)
    "shards": 8, "parameter_bytes": 2678824, "largest_parameter_bytes": 1605632, "parameters": 6,
    "batch_bytes": 3252224, "examples": 1024, "shard_examples": 128,
}
REQUIRED = ["per_message_s", "per_byte_s", "compute_per_shard_s"]


def parse(args):
    values = dict(DEFAULTS)
    text = ""
    if "--file" in args:
        i = args.index("--file")
        with open(args[i + 1], encoding="utf-8") as f:
            text = f.read()
        args = args[:i] + args[i + 2:]
    elif not args and not sys.stdin.isatty():
        text = sys.stdin.read()
        sys.stdout.write(text)  # pass the bench's own output through
    for line in text.splitlines():
        if line.startswith("MODEL "):
            values.update(kv.split("=", 1) for kv in line.split()[1:])
    for arg in args:
        if "=" not in arg:
            sys.exit(f"extrapolate_steps.py: expected key=value or --file PATH, got '{arg}'")
        key, value = arg.split("=", 1)
        values[key] = value
    missing = [k for k in REQUIRED if k not in values]
    if missing:
        sys.exit(f"extrapolate_steps.py: no MODEL line or arguments for {', '.join(missing)} (see the usage at the top)")
    return {k: float(v) for k, v in values.items()}


def step(v, n, protocol):
    m = v["per_message_s"]
    b = v["per_byte_s"] + v.get("encode_per_byte_s", 0.0) + v.get("decode_per_byte_s", 0.0)
    p_bytes, p_max, p_count, d = v["parameter_bytes"], v["largest_parameter_bytes"], v["parameters"], v["batch_bytes"]
    shards = max(8, n)
    per_member = math.ceil(shards / n)
    shard_compute = v["compute_per_shard_s"] * (v["examples"] / shards) / v["shard_examples"]
    remote = (n - 1) / n  # the share of owners on other members

    # A4: the client's fan-out, one message after another on its link.
    setup_bytes = n * p_bytes + d
    setup = (n + shards) * m + setup_bytes * b
    compute = per_member * shard_compute
    if protocol == "chain":
        reduce = (n - 1) * (m + p_bytes * b)
        sums = p_count * m + p_bytes * b  # the last run's worker -> the client
        wire = setup_bytes + (n - 1) * p_bytes + p_bytes
    elif protocol == "chain, pipelined":
        reduce = (n - 1) * (m + p_max * b) + (p_count - 1) * m + (p_bytes - p_max) * b
        sums = p_count * m + p_bytes * b
        wire = setup_bytes + (n - 1) * p_bytes + p_bytes
    else:  # per-shard
        senders = per_member * p_count * remote * m + per_member * p_bytes * remote * b
        owner = (shards * remote) * (m + p_max * b)
        reduce = max(senders, owner)
        sums = p_count * m + p_bytes * b  # the owners' sums into the client's link
        wire = setup_bytes + shards * p_bytes * remote + p_bytes
    return setup, compute, reduce, sums, wire


def main():
    v = parse(sys.argv[1:])
    print()
    print("Extrapolated step time (bench/extrapolate_steps.py)")
    print(f"inputs: per message {v['per_message_s'] * 1e6:.0f} us, per byte {v['per_byte_s'] * 1e9:.2f} ns, "
          f"one shard of {v['shard_examples']:.0f} examples {v['compute_per_shard_s'] * 1e3:.1f} ms, "
          f"serializer {v.get('encode_per_byte_s', 0) * 1e9:.2f} + {v.get('decode_per_byte_s', 0) * 1e9:.2f} ns per byte, "
          f"P {v['parameter_bytes'] / 1e6:.2f} MB, batch {v['batch_bytes'] / 1e6:.2f} MB, {v['examples']:.0f} examples"
          + (f"; in-process step {v['in_process_step_s'] * 1e3:.1f} ms" if "in_process_step_s" in v else ""))
    print(ASSUMPTIONS)
    print()
    print("| members | protocol | shards | setup (client fan-out) | compute | reduce | sums to client | step | wire MB/step |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in MEMBERS:
        for protocol in ("chain", "chain, pipelined", "per-shard"):
            setup, compute, gradients, sums, wire = step(v, n, protocol)
            total = setup + compute + gradients + sums
            print(f"| {n} | {protocol} | {max(8, n)} | {setup * 1e3:.1f} ms | {compute * 1e3:.1f} ms | "
                  f"{gradients * 1e3:.1f} ms | {sums * 1e3:.1f} ms | {total * 1e3:.1f} ms | {wire / 1e6:.0f} |")


if __name__ == "__main__":
    main()
