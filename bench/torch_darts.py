#!/usr/bin/env python3
"""Reference-style PyTorch NASWOT on the NDS DARTS cell space (baseline for zcnas).

Builds pycls' NetworkCIFAR(width, 1, depth, auxiliary=False, genotype) as NASWOT's nasspace.NDS does
(SPEC.md section 7): stem Conv3x3(3 -> 3w) + BN, `depth` cells with reductions at depth//3 and 2*depth//3
(C doubles there), each cell preprocessing (s0, s1) with FactorizedReduce / ReLUConvBN 1x1, four nodes of
two ops each, concat of nodes 2..5; AdaptiveAvgPool(1) and `classifier.classifier` = Linear(4C -> 1).
Drop path 0, train-mode BatchNorm. Module and parameter names are those of the reference state_dict, so the
oracle's weight files load strictly. Without a weight file the network gets PyTorch's default init after
torch.manual_seed(--seed); with the oracle's `init_seed` this gives the oracle's weights.

NASWOT as SPEC.md "sections 6-7 common" states the protocol: a forward hook on every module whose type name
contains "ReLU" (nn.ReLU and the ReLUConvBN wrapper, so a preprocess input counts twice, a sep_conv input and
its middle BN output once each, a dil_conv / stride-2 skip input once, pools and identities not at all);
codes x > 0; K += c c^T + (1-c)(1-c)^T as float32 products accumulated in float64; score = log|det K|
(numpy slogdet). One forward pass under torch.no_grad(): every registered ReLU of this network runs and
reaches the logits, so the reference's backward-hook filter changes nothing.

Genotypes are written in the arch encoding (8 normal `op~input` tokens, `/`, 8 reduce tokens; node k = 2..5
sums pairs 2(k-2) and 2(k-2)+1) or as DARTS' `Genotype(normal=[...], normal_concat=[2, 3, 4, 5], ...)` repr.

For torch 1.13 (Debian python3-torch: use /usr/bin/python3) and torch 2.x (only APIs both have).

Examples:
  /usr/bin/python3 bench/torch_darts.py --arch "$(cat darts_v2.txt)" \
      --data ../shared/data/cifar10/data_batch_1_exact_first932.bin --batch 128 --repeats 3
  /usr/bin/python3 bench/torch_darts.py --random 4 --seed 7 --width 16 --depth 8 \
      --data ../shared/data/cifar10/data_batch_1_exact_first932.bin --json darts.json
  /usr/bin/python3 bench/torch_darts.py --check-oracle ../shared/oracle/nds_darts
"""

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_naswot as nb201  # noqa: E402  (safetensors / CIFAR readers, weight loading, number formatting)
import torch_nb101 as nb101  # noqa: E402  (input tensors, hooked K, slogdet, parameter count, shared options)

# The NDS DARTS ops (SPEC.md 7; `none` is not one of them).
OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
       "dil_conv_5x5")
STEPS = 4           # intermediate nodes 2..5
PAIRS = 2 * STEPS   # (op, input) pairs per cell
CONCAT = (2, 3, 4, 5)

DARTS_V2 = ("sep_conv_3x3~0,sep_conv_3x3~1,sep_conv_3x3~0,sep_conv_3x3~1,sep_conv_3x3~1,skip_connect~0,"
            "skip_connect~0,dil_conv_3x3~2/max_pool_3x3~0,max_pool_3x3~1,skip_connect~2,max_pool_3x3~1,"
            "max_pool_3x3~0,skip_connect~2,skip_connect~2,max_pool_3x3~1")
# DARTS' published size of its CIFAR-10 network: NetworkCIFAR(36, 10, 20, False, DARTS_V2), auxiliary head left out.
DARTS_V2_PARAMS_36_20 = 3349342


# ----------------------------------------------------------------------------
# Genotypes: the arch encoding and DARTS' repr
# ----------------------------------------------------------------------------

class Genotype:
    """Eight (op, input) pairs for the normal cell and eight for the reduce cell; concat is nodes 2..5."""

    def __init__(self, normal, reduce):
        self.normal = [tuple(p) for p in normal]
        self.reduce = [tuple(p) for p in reduce]

    def __eq__(self, other):
        return isinstance(other, Genotype) and (self.normal, self.reduce) == (other.normal, other.reduce)

    def encoding(self):
        """The arch encoding: 'op~input,...' (normal) '/' 'op~input,...' (reduce)."""
        return "/".join(",".join("%s~%d" % p for p in cell) for cell in (self.normal, self.reduce))

    def repr(self):
        """DARTS' repr, as its genotypes.py prints a Genotype namedtuple."""
        def cell(pairs):
            return "[" + ", ".join("(%r, %d)" % p for p in pairs) + "]"
        concat = "[" + ", ".join(str(c) for c in CONCAT) + "]"
        return "Genotype(normal=%s, normal_concat=%s, reduce=%s, reduce_concat=%s)" % (
            cell(self.normal), concat, cell(self.reduce), concat)


def check_cell(text, name, pairs):
    if len(pairs) != PAIRS:
        raise ValueError("DARTS arch %r: the %s cell has %d (op, input) pairs, expected %d"
                         % (text, name, len(pairs), PAIRS))
    for p, (op, inp) in enumerate(pairs):
        if op not in OPS:
            raise ValueError("DARTS arch %r: %s pair %d has op %r, not one of %s" % (text, name, p, op, ", ".join(OPS)))
        node = 2 + p // 2
        if not 0 <= inp < node:
            raise ValueError("DARTS arch %r: %s pair %d (node %d) reads input %d; node %d reads 0..%d"
                             % (text, name, p, node, inp, node, node - 1))


_REPR_CELL = re.compile(r"\b(normal|reduce)\s*=\s*\[([^\]]*)\]")
_REPR_CONCAT = re.compile(r"\b(normal|reduce)_concat\s*=\s*(\[[^\]]*\]|range\(\s*2\s*,\s*6\s*\))")
_REPR_PAIR = re.compile(r"\(\s*['\"](\w+)['\"]\s*,\s*(\d+)\s*\)")


def parse_genotype(text):
    """The arch encoding or DARTS' Genotype(...) repr -> Genotype; ValueError naming the faulty part."""
    t = text.strip()
    if t.startswith("Genotype"):
        cells = dict(_REPR_CELL.findall(t))
        concats = dict(_REPR_CONCAT.findall(t))
        for name in ("normal", "reduce"):
            if name not in cells or name not in concats:
                raise ValueError("DARTS repr %r: no %s=[...] and %s_concat=..." % (text, name, name))
            c = concats[name].replace(" ", "")
            if c not in ("[2,3,4,5]", "range(2,6)"):
                raise ValueError("DARTS repr %r: %s_concat %s, only nodes 2..5 are supported" % (text, name, concats[name]))
        normal, reduce = ([(op, int(i)) for op, i in _REPR_PAIR.findall(cells[name])] for name in ("normal", "reduce"))
    else:
        parts = t.split("/")
        if len(parts) != 2:
            raise ValueError("DARTS arch %r: expected 8 normal op~input tokens, '/', 8 reduce tokens "
                             "(or a Genotype(...) repr)" % text)
        cells = []
        for name, part in zip(("normal", "reduce"), parts):
            pairs = []
            for p, tok in enumerate(s.strip() for s in part.split(",")):
                op, sep, inp = tok.partition("~")
                if not sep or not inp.isdigit():
                    raise ValueError("DARTS arch %r: %s token %d %r is not op~input" % (text, name, p, tok))
                pairs.append((op, int(inp)))
            cells.append(pairs)
        normal, reduce = cells
    check_cell(text, "normal", normal)
    check_cell(text, "reduce", reduce)
    return Genotype(normal, reduce)


def random_genotypes(n, seed):
    """n genotypes drawn as NDS samples them: per cell (normal, then reduce) and node k = 2..5, two distinct
    inputs from 0..k-1 (random.sample, in the order drawn) and an op for each, uniform among the 7."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        cells = []
        for _cell in range(2):
            pairs = []
            for k in range(2, 2 + STEPS):
                for inp in rng.sample(range(k), 2):
                    pairs.append((rng.choice(OPS), inp))
            cells.append(pairs)
        out.append(Genotype(*cells))
    return out


# ----------------------------------------------------------------------------
# Network (module names give the reference state_dict names)
# ----------------------------------------------------------------------------

class ReLUConvBN(nn.Module):
    """ReLU -> Conv(k x k, no bias) -> BN; submodules op.0 / op.1 / op.2. Its type name contains "ReLU", so
    NASWOT hooks it as well as its inner ReLU: its input counts twice."""

    def __init__(self, c_in, c_out, kernel, stride, padding):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x):
        return self.op(x)


class SepConv(nn.Module):
    """Twice ReLU -> depthwise k x k -> pointwise 1x1 -> BN (stride only on the first depthwise conv);
    parameters op.{1,2,3,5,6,7}."""

    def __init__(self, c, kernel, stride, padding):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, kernel, stride=stride, padding=padding, groups=c, bias=False),
            nn.Conv2d(c, c, 1, padding=0, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, kernel, stride=1, padding=padding, groups=c, bias=False),
            nn.Conv2d(c, c, 1, padding=0, bias=False),
            nn.BatchNorm2d(c),
        )

    def forward(self, x):
        return self.op(x)


class DilConv(nn.Module):
    """ReLU -> depthwise k x k, dilation 2 -> pointwise 1x1 -> BN; parameters op.{1,2,3}."""

    def __init__(self, c, kernel, stride, padding):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, kernel, stride=stride, padding=padding, dilation=2, groups=c, bias=False),
            nn.Conv2d(c, c, 1, padding=0, bias=False),
            nn.BatchNorm2d(c),
        )

    def forward(self, x):
        return self.op(x)


class FactorizedReduce(nn.Module):
    """ReLU, then two 1x1 stride-2 convs of C_out/2 channels each, the second on the input shifted by one pixel
    (x[:, :, 1:, 1:] after padding one zero row and column at the bottom and right), concatenated, then BN."""

    def __init__(self, c_in, c_out):
        super().__init__()
        if c_out % 2:
            raise ValueError("FactorizedReduce needs an even C_out, got %d" % c_out)
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = self.relu(x)
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1))


def make_op(name, c, stride):
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)  # pads with -inf: padding never wins
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    if name == "sep_conv_3x3":
        return SepConv(c, 3, stride, 1)
    if name == "sep_conv_5x5":
        return SepConv(c, 5, stride, 2)
    if name == "dil_conv_3x3":
        return DilConv(c, 3, stride, 2)
    if name == "dil_conv_5x5":
        return DilConv(c, 5, stride, 4)
    raise ValueError("unknown DARTS op %r" % name)


class Cell(nn.Module):
    """preprocess0 / preprocess1 map (s0, s1) to C channels; _ops.j is pair j's op (stride 2 on inputs 0 and 1
    of a reduce cell); node k = _ops.2(k-2)(state) + _ops.2(k-2)+1(state); output = concat of nodes 2..5."""

    def __init__(self, pairs, c_prev_prev, c_prev, c, reduction, reduction_prev):
        super().__init__()
        if reduction_prev:
            self.preprocess0 = FactorizedReduce(c_prev_prev, c)
        else:
            self.preprocess0 = ReLUConvBN(c_prev_prev, c, 1, 1, 0)
        self.preprocess1 = ReLUConvBN(c_prev, c, 1, 1, 0)
        self.inputs = [inp for _, inp in pairs]
        self._ops = nn.ModuleList(make_op(op, c, 2 if reduction and inp < 2 else 1) for op, inp in pairs)
        self.out_channels = len(CONCAT) * c

    def forward(self, s0, s1):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for k in range(STEPS):
            a, b = 2 * k, 2 * k + 1
            states.append(self._ops[a](states[self.inputs[a]]) + self._ops[b](states[self.inputs[b]]))
        return torch.cat([states[i] for i in CONCAT], dim=1)


class Classifier(nn.Module):
    """pooling = AdaptiveAvgPool2d(1), classifier = Linear (parameters `classifier.classifier.*`)."""

    def __init__(self, channels, num_classes):
        super().__init__()
        self.pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x):
        pooled = self.pooling(x).view(x.size(0), -1)
        return self.classifier(pooled), pooled


class NetworkCIFAR(nn.Module):
    """stem (Conv3x3 3 -> 3C, BN), cells.0..depth-1, classifier. forward returns (logits, pooled), as the
    network does once nasspace's return_feature_layer has wrapped its Linear; NASWOT reads the logits."""

    def __init__(self, genotype, width=16, depth=8, num_classes=1):
        super().__init__()
        if depth < 3:
            raise ValueError("DARTS depth %d: need at least 3 cells (two reductions)" % depth)
        c = width
        c_stem = 3 * c
        self.stem = nn.Sequential(nn.Conv2d(3, c_stem, 3, padding=1, bias=False), nn.BatchNorm2d(c_stem))
        c_prev_prev, c_prev = c_stem, c_stem
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(depth):
            reduction = i in (depth // 3, 2 * depth // 3)
            if reduction:
                c *= 2
            cell = Cell(genotype.reduce if reduction else genotype.normal, c_prev_prev, c_prev, c, reduction,
                        reduction_prev)
            self.cells.append(cell)
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, cell.out_channels
        self.classifier = Classifier(c_prev, num_classes)

    def forward(self, x):
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(s1)


def hooked_by_type(net):
    """Registered NASWOT modules by type name (every one runs once per forward pass in this network)."""
    counts = {}
    for m in net.modules():
        name = type(m).__name__
        if "ReLU" in name:
            counts[name] = counts.get(name, 0) + 1
    return counts


# ----------------------------------------------------------------------------
# NASWOT
# ----------------------------------------------------------------------------

def build(genotype, width, depth, classes, device, weights=None, seed=0):
    """Seed, construct (PyTorch default init), optionally load a state_dict; train mode on `device`."""
    torch.manual_seed(seed)
    net = NetworkCIFAR(genotype, width, depth, classes)
    if weights is not None:
        nb201.load_weights(net, weights)
    net = net.to(device)
    net.train()  # batch-statistics BN, as the reference
    return net


def score_arch(genotype, x, device, width=16, depth=8, classes=1, weights=None, seed=0, repeats=1):
    """Build + score `repeats` times; the score comes from the first run, times are medians."""
    build_t, fwd_t, ld_t = [], [], []
    res = None
    for _ in range(max(1, repeats)):
        nb201.sync(device)
        t0 = time.perf_counter()
        net = build(genotype, width, depth, classes, device, weights, seed)
        nb201.sync(device)
        t1 = time.perf_counter()
        K, count, units = nb101.hooked_K(net, x)
        nb201.sync(device)
        t2 = time.perf_counter()
        sign, val = nb101.logdet(K)
        t3 = time.perf_counter()
        build_t.append(t1 - t0)
        fwd_t.append(t2 - t1)
        ld_t.append(t3 - t2)
        if res is None:
            res = {"naswot": val, "naswot_sign": sign, "relu_count": count, "relu_units": units,
                   "params": nb101.count_params(net), "hooked_by_type": hooked_by_type(net), "K": K.cpu()}
        del net
    res.update({
        "build_s": statistics.median(build_t), "forward_k_s": statistics.median(fwd_t),
        "logdet_s": statistics.median(ld_t),
        "build_s_all": build_t, "forward_k_s_all": fwd_t,
    })
    res["total_s"] = res["build_s"] + res["forward_k_s"] + res["logdet_s"]
    return res


# ----------------------------------------------------------------------------
# --check-oracle
# ----------------------------------------------------------------------------

def check_oracle(root, device):
    """Rebuild every case of an nds_darts oracle from its weight file and compare (SPEC.md 6-7 tolerances)."""
    doc = json.load(open(os.path.join(root, "cases.json")))
    failures = []
    init_differs = 0

    def expect(ok, what):
        if not ok:
            failures.append(what)
        return ok

    # The oracle's input: input.safetensors, checked equal to the CIFAR-10 reader's output for the images
    # cases.json names when both are at hand; the CIFAR-10 file alone otherwise.
    input_path = os.path.join(root, "input.safetensors")
    img = os.path.join(root, "..", "..", "data", "cifar10", doc["images"])
    x = nb101.read_input_tensor(input_path, 0, doc["batch"]) if os.path.exists(input_path) else None
    if os.path.exists(img):
        xr = nb201.read_cifar_batch(img, doc["offset"], doc["batch"])
        if x is None:
            x = xr
            print("# input: %s, offset %d, batch %d (no input.safetensors)" % (doc["images"], doc["offset"], doc["batch"]))
        else:
            same = torch.equal(xr, x)
            expect(same, "input.safetensors != read_cifar_batch(%s)" % doc["images"])
            print("# input.safetensors vs CIFAR-10 reader (%s, offset %d, batch %d): %s"
                  % (doc["images"], doc["offset"], doc["batch"], "identical" if same else "DIFFERENT"))
    if x is None:
        print("# FAILED: neither %s nor %s" % (input_path, img))
        return 1
    x = x.to(device)

    print("# oracle %s: %d cases, batch %d, 1 label; tol |dK| <= 1e-4*relu_units, |dnaswot| <= 1e-6*|naswot|"
          % (root, len(doc["cases"]), doc["batch"]))
    print("# spec: arch and genotype repr parse to the same genotype and print back as given;"
          " init: weights from --seed init_seed vs the weight file")
    hdr = ("case", "width", "depth", "relu_count", "by_type", "relu_units", "params", "K_ii", "max|dK|", "K_diff",
           "naswot", "expected", "|dnaswot|", "spec", "init", "ok")
    print("\t".join(hdr))
    for c in doc["cases"]:
        name, width, depth = c["name"], c["width"], c["depth"]
        bad0 = len(failures)
        g = parse_genotype(c["arch"])
        spec_ok = all([
            expect(parse_genotype(c["genotype"]) == g, "%s: genotype repr != arch" % name),
            expect(g.encoding() == c["arch"], "%s: arch prints back as %s" % (name, g.encoding())),
            expect(g.repr() == c["genotype"], "%s: repr prints back as %s" % (name, g.repr())),
        ])
        weights = nb101.tensors_from_safetensors(os.path.join(root, name, "weights.safetensors"))
        res = score_arch(g, x, device, width, depth, 1, weights=weights)
        # Default init with the case's seed gives the weight file bit for bit when construction order and
        # torch's CPU generator match the oracle's. Reported, not required: another torch release may draw
        # differently without the network being wrong.
        seeded = build(g, width, depth, 1, torch.device("cpu"), seed=c["init_seed"]).state_dict()
        init_ok = all(torch.equal(seeded[k], weights[k].reshape(seeded[k].shape).to(seeded[k].dtype)) for k in seeded)
        init_differs += not init_ok

        K = res["K"].numpy()
        Kx = nb201.read_safetensors(os.path.join(root, name, "expected.safetensors"))["K"]
        units = res["relu_units"]
        kii = bool(np.all(np.diag(K) == units))
        diff = np.abs(K - Kx)
        dk, nk = float(np.max(diff)), int(np.count_nonzero(diff))
        want = nb101.oracle_num(c["naswot"])
        dn = abs(res["naswot"] - want)
        expect(res["relu_count"] == c["relu_count"], "%s: relu_count %d" % (name, res["relu_count"]))
        expect(res["relu_count"] == c["hook_modules_registered"], "%s: hooks registered" % name)
        expect(res["hooked_by_type"] == c["hooked_by_type"], "%s: hooked by type %s" % (name, res["hooked_by_type"]))
        expect(units == c["relu_units"], "%s: relu_units %d" % (name, units))
        expect(res["params"] == c["params"], "%s: params %d" % (name, res["params"]))
        expect(kii, "%s: K_ii != relu_units" % name)
        expect(dk <= 1e-4 * c["relu_units"], "%s: max|dK| %g" % (name, dk))
        expect(dn <= 1e-6 * abs(want) and res["naswot_sign"] == nb101.oracle_num(c["naswot_sign"]),
               "%s: naswot %r" % (name, res["naswot"]))
        by_type = "+".join("%d" % res["hooked_by_type"].get(t, 0) for t in ("ReLU", "ReLUConvBN"))
        print("\t".join(str(v) for v in (
            name, width, depth, res["relu_count"], by_type, units, res["params"], "ok" if kii else "BAD",
            "%g" % dk, nk, nb201.fmt_score(res["naswot"]), nb201.fmt_score(want), "%.3g" % dn,
            "ok" if spec_ok else "BAD", "same" if init_ok else "differs",
            "ok" if len(failures) == bad0 else "FAIL")), flush=True)

    # DARTS' published parameter count of its CIFAR-10 network.
    p = nb101.count_params(NetworkCIFAR(parse_genotype(DARTS_V2), 36, 20, 10))
    ok = expect(p == DARTS_V2_PARAMS_36_20, "DARTS-V2 (36, 20, 10 labels): params %d != %d" % (p, DARTS_V2_PARAMS_36_20))
    print("# params of NetworkCIFAR(36, 10, 20, False, DARTS_V2): %d (DARTS: %d) %s"
          % (p, DARTS_V2_PARAMS_36_20, "ok" if ok else "FAIL"))

    if init_differs:
        print("# note: %d case(s) where --seed init_seed does not reproduce the weight file (torch %s)"
              % (init_differs, torch.__version__))
    return nb201.report_checks(failures)


# ----------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description="Reference-style PyTorch NASWOT on the NDS DARTS cell space")
    ap.add_argument("--arch", action="append", default=[],
                    help="arch encoding 'op~in,...(8)/op~in,...(8)' or a DARTS Genotype(...) repr (repeatable)")
    ap.add_argument("--random", type=int, default=0, metavar="N",
                    help="also N genotypes drawn NDS-style with random.Random(--seed)")
    ap.add_argument("--width", type=int, default=16, help="initial channels C (the stem has 3C)")
    ap.add_argument("--depth", type=int, default=8, help="cells; depth//3 and 2*depth//3 reduce")
    ap.add_argument("--classes", type=int, default=1)
    ap.add_argument("--weights", help="state_dict as .safetensors (a single arch only)")
    ap.add_argument("--seed", type=int, default=0,
                    help="torch.manual_seed before building (default init), and the seed of --random")
    nb101.add_run_arguments(ap, "arch", "an nds_darts")
    args = ap.parse_args(argv)
    device = nb101.open_device(ap, args)

    if args.check_oracle:
        return check_oracle(args.check_oracle, device)

    try:
        genotypes = [parse_genotype(a) for a in args.arch]
    except ValueError as e:
        ap.error(str(e))
    genotypes += random_genotypes(args.random, args.seed)
    if not genotypes:
        ap.error("give at least one --arch or --random N")
    if args.weights and len(genotypes) != 1:
        ap.error("--weights holds one network: give a single arch")
    if args.depth < 3 or args.width < 1:
        ap.error("need --depth >= 3 (two reduction cells) and --width >= 1")

    if args.input:
        x = nb101.read_input_tensor(args.input, args.offset, args.batch)
        data_desc = "%s images %d..%d" % (args.input, args.offset, args.offset + args.batch - 1)
    elif args.synthetic:
        g = torch.Generator().manual_seed(args.data_seed)
        x = torch.randn(args.batch, 3, 32, 32, generator=g, dtype=torch.float32)
        data_desc = "synthetic N(0,1) seed %d" % args.data_seed
    elif args.data:
        x = nb201.read_cifar_batch(args.data, args.offset, args.batch, args.dataset)
        data_desc = "%s offset %d" % (args.data, args.offset)
    else:
        ap.error("give --data FILE, --input FILE or --synthetic")
    x = x.to(device)
    batch = x.shape[0]

    weights = nb101.tensors_from_safetensors(args.weights) if args.weights else None
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else (platform.processor() or "cpu")
    print("# torch %s, numpy %s, python %s, device %s, threads %d, batch %d, width %d, depth %d, classes %d, "
          "data %s, %s" % (torch.__version__, np.__version__, platform.python_version(), device_name,
                           torch.get_num_threads(), batch, args.width, args.depth, args.classes, data_desc,
                           "weights %s" % args.weights if weights else "init seed %d" % args.seed), flush=True)
    print("# arch\trelu_count\trelu_units\tparams\tnaswot\tbuild_s\tforward_k_s\tlogdet_s", flush=True)

    for _ in range(args.warmup):
        score_arch(genotypes[0], x, device, args.width, args.depth, args.classes, weights, args.seed)

    results = []
    for g in genotypes:
        res = score_arch(g, x, device, args.width, args.depth, args.classes, weights, args.seed, args.repeats)
        rec = {
            "arch": g.encoding(), "genotype": g.repr(), "width": args.width, "depth": args.depth,
            "relu_count": res["relu_count"], "hooked_by_type": res["hooked_by_type"],
            "relu_units": res["relu_units"], "params": res["params"],
            "naswot": res["naswot"], "naswot_sign": res["naswot_sign"],
            "build_s": res["build_s"], "forward_k_s": res["forward_k_s"], "logdet_s": res["logdet_s"],
            "total_s": res["total_s"], "build_s_all": res["build_s_all"], "forward_k_s_all": res["forward_k_s_all"],
        }
        results.append(rec)
        print("%s\t%d\t%d\t%d\t%s\t%.4f\t%.4f\t%.4f" % (
            rec["arch"], rec["relu_count"], rec["relu_units"], rec["params"], nb201.fmt_score(rec["naswot"]),
            rec["build_s"], rec["forward_k_s"], rec["logdet_s"]), flush=True)

    n = len(results)
    mean_build = sum(r["build_s"] for r in results) / n
    mean_fwd = sum(r["forward_k_s"] for r in results) / n
    mean_total = sum(r["total_s"] for r in results) / n
    print("# archs %d, mean seconds per network: build %.4f, forward+K %.4f, total %.4f (median of %d each)"
          % (n, mean_build, mean_fwd, mean_total, max(1, args.repeats)), flush=True)

    if args.json:
        doc = {
            "tool": "torch_darts",
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "device": str(device), "device_name": device_name, "threads": torch.get_num_threads(),
            "tf32": args.tf32, "batch": batch, "data": data_desc,
            "width": args.width, "depth": args.depth, "classes": args.classes,
            "weights": args.weights, "seed": args.seed, "random": args.random,
            "repeats": max(1, args.repeats), "warmup": args.warmup,
            "results": [{k: nb201.json_num(v) for k, v in r.items()} for r in results],
            "mean_build_s": mean_build, "mean_forward_k_s": mean_fwd, "mean_total_s": mean_total,
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
