#!/usr/bin/env python3
"""PyTorch timing baseline for zcnas's swap, linear_regions, meco and zen (SPEC.md section 8).

The computations as the authors' code does them, on bench/torch_naswot.py's TinyNetwork, in train mode:
- swap: a forward hook on every nn.ReLU module keeping its output; torch.unique(sign(cat of outputs).T,
  dim=0).size(0) (pym1024/SWAP);
- linear_regions: A = sign(those outputs) [B, units], H = A (1-A)^T + (1-A) A^T as float32 matrix products,
  c_i = #{j : H_ij == 0}, LR = sum 1/c_i (VITA-Group/TENAS, with the CPU patches of the oracle);
- meco: a forward hook on every module; per call, output[0] reshaped [C, -1], torch.corrcoef, NaN and inf set
  to 0, the least real part of torch.linalg.eig; the sum (HamsterMimi/MeCo). Outputs with one channel, where
  the authors' hook raises, count 0;
- zen: the features before global pooling of `input` and `mixup_input`, log of the mean L1 distance, plus
  log sqrt(mean running_var) over every BatchNorm2d after the two passes (idstcv/ZenNAS).
Weights from a safetensors state_dict, input from a safetensors file (`input`; zen also `mixup_input`);
prints one JSON line per arch and score with the seconds of the forward(s) plus the reduction (best of
--repeat; zen resets the running statistics before each timed run).

  /usr/bin/python3 bench/torch_forward_scores.py --arch ARCH --weights W.safetensors --input IN.safetensors \\
      --score swap|linear_regions|meco|zen
"""

import argparse
import json
import os
import sys
import time
import warnings

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


def meco(net, x):
    terms = []
    warnings.filterwarnings("ignore", message="cov\\(\\): degrees of freedom")  # the one-position head: NaN, then 0

    def hook(module, inputs, output):
        f = output[0].detach()  # sample 0 (TinyNetwork returns no tuples)
        f = f.reshape(f.shape[0], -1)
        if f.shape[0] == 1:
            terms.append(torch.tensor(0.0))
            return
        corr = torch.corrcoef(f)
        corr[torch.isnan(corr)] = 0
        corr[torch.isinf(corr)] = 0
        terms.append(torch.min(torch.real(torch.linalg.eig(corr)[0])))

    handles = [m.register_forward_hook(hook) for m in net.modules() if not isinstance(m, nn.ModuleList)]
    with torch.no_grad():
        net(x)
    for h in handles:
        h.remove()
    return float(torch.sum(torch.stack(terms)))


def zen(net, x, mixup):
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()

    def features(v):
        v = net.stem(v)
        for cell in net.cells:
            v = cell(v)
        return net.lastact(v)

    with torch.no_grad():
        d = torch.mean(torch.sum(torch.abs(features(x) - features(mixup)), dim=[1, 2, 3]))
        bn = sum(torch.log(torch.sqrt(torch.mean(m.running_var)))
                 for m in net.modules() if isinstance(m, nn.BatchNorm2d))
        return float(torch.log(d) + bn)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", action="append", required=True)
    p.add_argument("--weights", action="append", required=True, help="one per --arch")
    p.add_argument("--input", required=True)
    p.add_argument("--score", choices=["swap", "linear_regions", "meco", "zen"], required=True)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    tensors = ref.read_safetensors(a.input)
    x = torch.from_numpy(tensors["input"].copy())
    if a.score == "zen":
        mixup = torch.from_numpy(tensors["mixup_input"].copy())
        fn = lambda net, v: zen(net, v, mixup)  # noqa: E731
    else:
        fn = {"swap": swap, "linear_regions": linear_regions, "meco": meco}[a.score]
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
