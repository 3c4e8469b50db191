#!/usr/bin/env python3
"""PyTorch timing baseline for zcnas's swap and linear_regions (SPEC.md section 8.1, 8.4).

The computations as the authors' code does them, on bench/torch_naswot.py's TinyNetwork: a forward hook on every
nn.ReLU module keeping its output; SWAP = torch.unique(sign(cat of outputs).T, dim=0).size(0) (pym1024/SWAP);
linear regions: A = sign(outputs) [B, units], H = A (1-A)^T + (1-A) A^T as float32 matrix products, c_i = #{j :
H_ij == 0}, LR = sum 1/c_i (VITA-Group/TENAS, with the CPU patches of the oracle). Weights from a safetensors
state_dict, input from a safetensors tensor `input`; prints one JSON line per arch and score with the seconds of
the hooked forward plus the reduction (best of --repeat).

  /usr/bin/python3 bench/torch_sign_patterns.py --arch ARCH --weights W.safetensors --input IN.safetensors \\
      --score swap
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_naswot as ref  # noqa: E402


def hooked_outputs(net, x):
    outs = []
    handles = [m.register_forward_hook(lambda m, i, o: outs.append(o.detach()))
               for m in net.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        net(x)
    for h in handles:
        h.remove()
    return [o.reshape(o.size(0), -1) for o in outs]


def swap(net, x):
    a = torch.sign(torch.cat(hooked_outputs(net, x), dim=1))
    return float(torch.unique(a.t(), dim=0).size(0))


def linear_regions(net, x):
    a = torch.sign(torch.cat(hooked_outputs(net, x), dim=1)).float()
    h = a @ (1 - a).t()
    h = h + h.t()
    c = (h == 0).sum(dim=1).float()
    return float((1.0 / c).sum())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", action="append", required=True)
    p.add_argument("--weights", action="append", required=True, help="one per --arch")
    p.add_argument("--input", required=True)
    p.add_argument("--score", choices=["swap", "linear_regions"], required=True)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    x = torch.from_numpy(ref.read_safetensors(a.input)["input"].copy())
    fn = swap if a.score == "swap" else linear_regions
    for arch, weights in zip(a.arch, a.weights):
        net = ref.TinyNetwork(arch)
        ref.load_weights(net, {k: torch.from_numpy(v.copy()) for k, v in ref.read_safetensors(weights).items()})
        net.train()
        best, value = float("inf"), None
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            value = fn(net, x)
            best = min(best, time.perf_counter() - t0)
        print(json.dumps({"arch": arch, a.score: value, "seconds": best}), flush=True)


if __name__ == "__main__":
    main()
