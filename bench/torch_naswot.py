#!/usr/bin/env python3
"""Reference-style PyTorch NASWOT on NAS-Bench-201 (baseline for zcnas).

Builds the NB201 TinyNetwork (C=16, N=5, num_classes=1) with the module and
parameter names of the reference state_dict (SPEC.md section 1) and scores it
with NASWOT the way the reference does (SPEC.md section 2): a forward hook on
every module whose type name contains "ReLU" (the nn.ReLU modules and the
ReLUConvBN wrappers, so the input of every ReLU->Conv->BN op is counted twice),
binary codes (x > 0), K += c c^T + (1-c)(1-c)^T computed as float32 matrix
products and accumulated in float64, score = log|det K| (numpy slogdet).

Works with torch 1.13 (Debian python3-torch: use /usr/bin/python3) and torch 2.x.

Examples:
  /usr/bin/python3 bench/torch_naswot.py --index 0 --index 1835 \
      --data ../shared/data/cifar10/data_batch_1_exact_first932.bin --batch 128
  /usr/bin/python3 bench/torch_naswot.py --index 0 \
      --weights ../shared/oracle/nb201/nb201_00000/weights.safetensors \
      --data ../shared/data/cifar10/data_batch_1_exact_first932.bin --json out.json
"""

import argparse
import csv
import json
import math
import os
import platform
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")

# ToTensor + Normalize constants (SPEC.md section 2), per channel.
DATASET_NORM = {
    "cifar10": ((125.3, 123.0, 113.9), (63.0, 62.1, 66.7)),
    "cifar100": ((129.3, 124.1, 112.4), (68.2, 65.4, 70.4)),
}

DEFAULT_TRUTH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "nb201", "nb201_test_accuracy_200ep.csv")


# ----------------------------------------------------------------------------
# Network
# ----------------------------------------------------------------------------

class ReLUConvBN(nn.Module):
    """ReLU -> Conv(no bias) -> BN; submodules op.0 / op.1 / op.2."""

    def __init__(self, c_in, c_out, kernel, stride, padding):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x):
        return self.op(x)


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


class Identity(nn.Module):
    def forward(self, x):
        return x


class Pooling(nn.Module):
    def __init__(self):
        super().__init__()
        self.op = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x):
        return self.op(x)


class FactorizedReduce(nn.Module):
    """The stride-1 skip of a cell that changes width (NATS-Bench size space): Conv1x1 + BN. Its ReLU module is
    constructed, as in xautodl, and never called."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv = nn.Conv2d(c_in, c_out, 1, stride=1, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        return self.bn(self.conv(x))


def make_op(name, c_in, c_out):
    if name == "nor_conv_1x1":
        return ReLUConvBN(c_in, c_out, 1, 1, 0)
    if name == "nor_conv_3x3":
        return ReLUConvBN(c_in, c_out, 3, 1, 1)
    if name == "skip_connect":
        return Identity() if c_in == c_out else FactorizedReduce(c_in, c_out)
    if c_in != c_out:
        raise ValueError("no %r edge between %d and %d channels" % (name, c_in, c_out))
    if name == "none":
        return Zero()
    if name == "avg_pool_3x3":
        return Pooling()
    raise ValueError("unknown op %r" % name)


def parse_arch(arch):
    """'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' -> [[(op, src)], [..,..], [..,..,..]]."""
    groups = arch.strip().split("+")
    if len(groups) != 3:
        raise ValueError("bad NB201 arch string: %r" % arch)
    nodes = []
    for j, g in enumerate(groups, start=1):
        items = [t for t in g.split("|") if t]
        if len(items) != j:
            raise ValueError("bad NB201 arch string (node %d): %r" % (j, arch))
        node = []
        for i, t in enumerate(items):
            op, src = t.split("~")
            if op not in OPS or int(src) != i:
                raise ValueError("bad NB201 edge %r in %r" % (t, arch))
            node.append((op, i))
        nodes.append(node)
    return nodes


class InferCell(nn.Module):
    """Edges from node 0 map c_in to c_out channels, the others c_out to c_out."""

    def __init__(self, nodes, c_in, c_out):
        super().__init__()
        self.layers = nn.ModuleList()
        self.edges = []  # (target node, source node, layer index), string order
        for j, node in enumerate(nodes, start=1):
            for op, i in node:
                self.edges.append((j, i, len(self.layers)))
                self.layers.append(make_op(op, c_in if i == 0 else c_out, c_out))

    def forward(self, x):
        feats = [x]
        k = 0
        for j in (1, 2, 3):
            terms = []
            for i in range(j):
                terms.append(self.layers[k](feats[i]))
                k += 1
            feats.append(sum(terms))
        return feats[-1]


class ResNetBasicBlock(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, 1, stride=1, padding=0, bias=False),
        )

    def forward(self, x):
        b = self.conv_b(self.conv_a(x))
        return self.downsample(x) + b


class TinyNetwork(nn.Module):
    """NB201's TinyNetwork; with `layer_channels` (3N+2 widths, the stem taking the first) xautodl's
    DynamicShapeTinyNet, the network of the NATS-Bench size space."""

    def __init__(self, arch, C=16, N=5, num_classes=1, layer_channels=None):
        super().__init__()
        nodes = parse_arch(arch)
        if layer_channels is None:
            chans = [C] * N + [C * 2] + [C * 2] * N + [C * 4] + [C * 4] * N
        else:
            chans, C, N = list(layer_channels), layer_channels[0], len(layer_channels) // 3
        reds = [False] * N + [True] + [False] * N + [True] + [False] * N
        self.stem = nn.Sequential(
            nn.Conv2d(3, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        self.cells = nn.ModuleList()
        c_prev = C
        for c_cur, red in zip(chans, reds):
            if red:
                self.cells.append(ResNetBasicBlock(c_prev, c_cur))
            else:
                self.cells.append(InferCell(nodes, c_prev, c_cur))
            c_prev = c_cur
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x):
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        x = self.lastact(x)
        x = self.global_pooling(x).view(x.size(0), -1)
        return self.classifier(x)


# ----------------------------------------------------------------------------
# I/O helpers
# ----------------------------------------------------------------------------

_ST_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U8": np.uint8, "BOOL": np.bool_,
}


def read_safetensors(path):
    """Minimal safetensors reader: {name: numpy array} (little-endian data)."""
    with open(path, "rb") as f:
        blob = f.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen].decode("utf-8"))
    base = 8 + hlen
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        dt = np.dtype(_ST_DTYPES[meta["dtype"]]).newbyteorder("<")
        b, e = meta["data_offsets"]
        arr = np.frombuffer(blob, dtype=dt, count=(e - b) // dt.itemsize, offset=base + b)
        out[name] = arr.reshape(meta["shape"]).astype(dt.newbyteorder("="))
    return out


def load_weights(net, tensors):
    sd = net.state_dict()
    missing = [k for k in sd if k not in tensors]
    extra = [k for k in tensors if k not in sd]
    if missing or extra:
        raise RuntimeError("state_dict mismatch: missing %s, unexpected %s" % (missing[:5], extra[:5]))
    new_sd = {}
    for k, v in sd.items():
        t = tensors[k]
        if t.numel() != v.numel():
            raise RuntimeError("shape mismatch for %s: %s vs %s" % (k, tuple(t.shape), tuple(v.shape)))
        # scalars (num_batches_tracked) may be stored as shape [1]
        new_sd[k] = t.reshape(v.shape).to(v.dtype)
    net.load_state_dict(new_sd)


def read_cifar_batch(path, offset, batch, dataset="cifar10"):
    """CIFAR-10 binary records (1 label byte + 3072 bytes R,G,B 32x32 planes).

    Returns float32 [batch, 3, 32, 32]: x/255 then (x - mean)/std, all in float32
    as ToTensor + Normalize compute it."""
    rec = 1 + 3072
    if dataset == "cifar100":
        rec = 2 + 3072  # coarse + fine label
    size = os.path.getsize(path)
    n = size // rec
    if offset < 0 or offset + batch > n:
        raise ValueError("%s holds %d images; asked for %d..%d" % (path, n, offset, offset + batch - 1))
    with open(path, "rb") as f:
        f.seek(offset * rec)
        raw = np.frombuffer(f.read(batch * rec), dtype=np.uint8).reshape(batch, rec)
    img = raw[:, rec - 3072:].reshape(batch, 3, 32, 32)
    x = torch.from_numpy(img.astype(np.float32)).div(255.0)
    mean, std = DATASET_NORM[dataset]
    m = torch.tensor([v / 255.0 for v in mean], dtype=torch.float32).view(1, 3, 1, 1)
    s = torch.tensor([v / 255.0 for v in std], dtype=torch.float32).view(1, 3, 1, 1)
    return x.sub(m).div(s).contiguous()


def load_truth_archs(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["ArchitectureString"] for r in rows]


# ----------------------------------------------------------------------------
# NASWOT
# ----------------------------------------------------------------------------

def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def naswot_score(arch, x, device, weights=None, init_seed=0, protocol="no-grad"):
    """Build the network, run the hooked forward pass, return a result dict.

    protocol "no-grad": one forward pass under torch.no_grad() (the cheapest way to get K).
    protocol "reference": as the published score_networks.py does it: a forward and backward pass with
    gradients (the batch Jacobian it computes but NASWOT does not use), then a second forward pass with
    autograd on, during which the hooks count.
    """
    if weights is None:
        torch.manual_seed(init_seed)
    net = TinyNetwork(arch)
    if weights is not None:
        load_weights(net, weights)
    net = net.to(device)
    net.train()  # batch-statistics BN, as the reference

    B = x.shape[0]
    state = {"K": torch.zeros(B, B, dtype=torch.float64, device=device),
             "count": 0, "units": 0, "armed": protocol == "no-grad"}

    def hook(module, inp, out):
        if not state["armed"]:
            return
        t = inp[0] if isinstance(inp, tuple) else inp
        t = t.reshape(t.size(0), -1)
        c = (t > 0).float()
        k1 = c @ c.t()
        k2 = (1.0 - c) @ (1.0 - c.t())
        state["K"] += k1.double() + k2.double()
        state["count"] += 1
        state["units"] += t.size(1)

    handles = []
    for _, m in net.named_modules():
        if "ReLU" in type(m).__name__:
            handles.append(m.register_forward_hook(hook))

    if protocol == "reference":
        xg = x.clone().requires_grad_(True)
        y = net(xg)
        y.backward(torch.ones_like(y))
        state["armed"] = True
        net(x)
    else:
        with torch.no_grad():
            net(x)
    for h in handles:
        h.remove()

    K = state["K"].cpu().numpy()
    sign, logabsdet = np.linalg.slogdet(K)
    nparams = sum(p.numel() for p in net.parameters())
    return {
        "naswot": float(logabsdet),
        "naswot_sign": float(sign),
        "relu_count": state["count"],
        "relu_units": state["units"],
        "params": int(nparams),
        "K": K,
    }


def fmt_score(v):
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    if math.isnan(v):
        return "nan"
    return "%.10f" % v


def json_num(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "-inf" if v == -math.inf else ("inf" if v == math.inf else "nan")
    return v


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def report_checks(failures):
    """The end of a --check-oracle run: the failed checks, and the exit status."""
    if failures:
        print("# FAILED (%d):" % len(failures))
        for f in failures:
            print("#   " + f)
        return 1
    print("# all checks passed")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Reference-style PyTorch NASWOT on NAS-Bench-201")
    ap.add_argument("--arch", action="append", default=[], help="NB201 arch string (repeatable)")
    ap.add_argument("--index", action="append", default=[],
                    help="official NB201 index (repeatable, or comma list)")
    ap.add_argument("--truth", default=DEFAULT_TRUTH, help="ground-truth CSV (index -> ArchitectureString)")
    ap.add_argument("--data", help="CIFAR-10 binary batch file")
    ap.add_argument("--dataset", default="cifar10", choices=sorted(DATASET_NORM))
    ap.add_argument("--synthetic", action="store_true", help="use N(0,1) random input instead of --data")
    ap.add_argument("--data-seed", type=int, default=0, help="seed of the --synthetic input")
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--weights", help="state_dict as .safetensors (one file, used for every arch)")
    ap.add_argument("--init-seed", type=int, default=0, help="torch.manual_seed before building (no --weights)")
    ap.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N")
    ap.add_argument("--tf32", action="store_true",
                    help="allow TF32 in cuDNN convolutions and matmuls (default: strict FP32)")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch default)")
    ap.add_argument("--repeat", type=int, default=1, help="time each arch this many times (score from the first)")
    ap.add_argument("--warmup", type=int, default=0, help="untimed runs before the timed ones (first arch)")
    ap.add_argument("--protocol", default="no-grad", choices=["no-grad", "reference"],
                    help="no-grad: one forward pass; reference: forward+backward, then the hooked forward pass")
    ap.add_argument("--json", help="write results to this file")
    ap.add_argument("--dump-k", help="save K of the first arch as .npy (for checking)")
    args = ap.parse_args(argv)

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda but torch.cuda.is_available() is False")
    # Strict FP32 by default (torch 2.x lets cuDNN convolutions use TF32 unless told not to).
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cuda.matmul.allow_tf32 = args.tf32

    items = []  # (index or None, arch)
    if args.index:
        archs_by_index = load_truth_archs(args.truth)
        for spec in args.index:
            for s in spec.split(","):
                if s.strip():
                    i = int(s)
                    items.append((i, archs_by_index[i]))
    for a in args.arch:
        parse_arch(a)
        items.append((None, a))
    if not items:
        ap.error("give at least one --arch or --index")

    if args.synthetic:
        g = torch.Generator().manual_seed(args.data_seed)
        x = torch.randn(args.batch, 3, 32, 32, generator=g, dtype=torch.float32)
        data_desc = "synthetic N(0,1) seed %d" % args.data_seed
    else:
        if not args.data:
            ap.error("give --data FILE or --synthetic")
        x = read_cifar_batch(args.data, args.offset, args.batch, args.dataset)
        data_desc = "%s offset %d" % (args.data, args.offset)
    x = x.to(device)
    sync(device)

    weights = None
    if args.weights:
        weights = {k: torch.from_numpy(np.ascontiguousarray(v))
                   for k, v in read_safetensors(args.weights).items()}

    print("# torch %s, numpy %s, python %s, device %s, threads %d, batch %d, data %s"
          % (torch.__version__, np.__version__, platform.python_version(),
             torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu",
             torch.get_num_threads(), args.batch, data_desc), flush=True)
    print("# index\tarch\tnaswot\tseconds\tparams\trelu_count\trelu_units", flush=True)

    for _ in range(args.warmup):
        naswot_score(items[0][1], x, device, weights, args.init_seed, args.protocol)
        sync(device)

    results = []
    for idx, arch in items:
        times = []
        res = None
        for r in range(max(1, args.repeat)):
            sync(device)
            t0 = time.perf_counter()
            out = naswot_score(arch, x, device, weights, args.init_seed, args.protocol)
            sync(device)
            times.append(time.perf_counter() - t0)
            if res is None:
                res = out
        if args.dump_k and not results:
            np.save(args.dump_k, res["K"])
        sec = sum(times) / len(times)
        row = {
            "index": idx, "arch": arch, "naswot": res["naswot"], "naswot_sign": res["naswot_sign"],
            "seconds": sec, "seconds_all": times, "params": res["params"],
            "relu_count": res["relu_count"], "relu_units": res["relu_units"],
        }
        results.append(row)
        print("%s\t%s\t%s\t%.4f\t%d\t%d\t%d" % (
            "-" if idx is None else idx, arch, fmt_score(res["naswot"]), sec,
            res["params"], res["relu_count"], res["relu_units"]), flush=True)

    mean_s = sum(r["seconds"] for r in results) / len(results)
    print("# archs %d, mean seconds per arch %.4f" % (len(results), mean_s), flush=True)

    if args.json:
        doc = {
            "tool": "torch_naswot",
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "device": str(device),
            "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor(),
            "threads": torch.get_num_threads(), "tf32": args.tf32, "batch": args.batch, "data": data_desc,
            "weights": args.weights, "init_seed": None if args.weights else args.init_seed,
            "repeat": args.repeat,
            "results": [{k: json_num(v) for k, v in r.items()} for r in results],
            "mean_seconds_per_arch": mean_s,
        }
        write_json(args.json, doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
