#!/usr/bin/env python3
"""Reference-style PyTorch NASWOT on NAS-Bench-101 (baseline for zcnas).

Builds the NASWOT NB101 network (SPEC.md section 5) for a cell: stem ConvBnRelu 3->C (3x3), three stacks
of three cells with a 2x2 max-pool between stacks (channels C, 2C, 4C), mean over H,W, Linear(4C -> classes);
train-mode BatchNorm. Module and parameter names are those of the reference state_dict, so the oracle's
weight files load strictly. Without a weight file the network is initialised by the reference law
(`_initialize_weights`: conv N(0, sqrt(2/(k*k*C_out))), BN 1/0, Linear N(0, 0.01)/0) after
torch.manual_seed(--seed); with the oracle's `init_seed` this gives the oracle's weights.

NASWOT as SPEC.md sections 2 and 5 state it for NB101: a forward hook on every nn.ReLU module (the only
module type whose name contains "ReLU": the ConvBnRelu wrappers spell "Relu"), so every ConvBnRelu counts
once, on its BN output; codes x > 0; K += c c^T + (1-c)(1-c)^T as float32 products accumulated in float64;
score = log|det K| (numpy slogdet). One forward pass under torch.no_grad(). The reference's extra
forward+backward pass changes nothing except on the cells where it crashes (`reference_fails`: the output
has one interior in-neighbour, a conv, plus an input->output edge, and the reference adds in place); here
every cell is the network as defined, with the input->output projection added out of place.

For torch 1.13 (Debian python3-torch: use /usr/bin/python3) and torch 2.x (only APIs both have).

Examples:
  /usr/bin/python3 bench/torch_nb101.py --rows 0:20 \
      --data ../shared/data/cifar10/data_batch_1_exact_first932.bin --batch 128 --repeats 3
  /usr/bin/python3 bench/torch_nb101.py \
      --arch 0110000000100100001000000010000000100000010000000:input,conv1x1-bn-relu,maxpool3x3,conv1x1-bn-relu,conv1x1-bn-relu,conv3x3-bn-relu,output \
      --weights ../shared/oracle/nb101/nb101_446/weights.safetensors \
      --input ../shared/oracle/nb101/input.safetensors
  /usr/bin/python3 bench/torch_nb101.py --check-oracle ../shared/oracle/nb101
"""

import argparse
import csv
import hashlib
import json
import math
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_naswot as nb201  # noqa: E402  (safetensors / CIFAR readers, weight loading, number formatting)

INPUT, OUTPUT = "input", "output"
CONV3X3, CONV1X1, MAXPOOL3X3 = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"
INTERIOR_OPS = (CONV3X3, CONV1X1, MAXPOOL3X3)  # canonical order: label 0, 1, 2
MAX_VERTICES, MAX_EDGES = 7, 9

# google-research/nasbench README: the Inception-like cell (unpruned and already pruned), 2,694,282
# trainable parameters at stem 128 with 10 labels.
INCEPTION_CELL = ("0111010" "0000001" "0000001" "0000100" "0000001" "0000001" "0000000",
                  [INPUT, CONV1X1, CONV3X3, CONV3X3, CONV3X3, MAXPOOL3X3, OUTPUT])
INCEPTION_HASH = "28cfc7874f6d200472e1a9dcd8650aa0"
INCEPTION_PARAMS = 2694282

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CSV = os.path.join(HERE, "..", "..", "shared", "data", "nb101", "naslib_zc_subset.csv")


# ----------------------------------------------------------------------------
# Cells: parsing, pruning, validity, hash, vertex channels
# ----------------------------------------------------------------------------

class InvalidCell(ValueError):
    pass


class Cell101:
    """A pruned NB101 cell: V x V 0/1 upper-triangular matrix (row = source) and V op labels."""

    def __init__(self, matrix, ops):
        self.matrix = [list(r) for r in matrix]
        self.ops = list(ops)

    @property
    def V(self):
        return len(self.ops)

    @property
    def num_edges(self):
        return sum(map(sum, self.matrix))

    def matrix_string(self):
        return "".join(str(b) for r in self.matrix for b in r)

    def arch_string(self):
        """The --arch form: row-major bits, ':', comma-separated labels."""
        return self.matrix_string() + ":" + ",".join(self.ops)

    def input_to_output(self):
        return bool(self.matrix[0][self.V - 1])

    def reference_fails(self):
        """True where the reference's in-place `outputs += proj(x)` breaks its backward pass (SPEC.md 5):
        the output has exactly one interior in-neighbour t, op_t is a conv, and there is an input->output edge."""
        V = self.V
        if V < 3 or not self.input_to_output():
            return False
        feeders = [t for t in range(1, V - 1) if self.matrix[t][V - 1]]
        return len(feeders) == 1 and self.ops[feeders[0]] in (CONV3X3, CONV1X1)


def parse_cell(matrix_bits, ops):
    """Raw (unpruned) cell from a row-major bit string and a list of labels; checks the encoding only."""
    matrix_bits = matrix_bits.strip()
    V = len(ops)
    if V < 2 or len(matrix_bits) != V * V or set(matrix_bits) - set("01"):
        raise InvalidCell("need %d*%d matrix bits for %d ops, got %r" % (V, V, V, matrix_bits))
    if ops[0] != INPUT or ops[-1] != OUTPUT or any(o not in INTERIOR_OPS for o in ops[1:-1]):
        raise InvalidCell("ops must be input, {%s}..., output: %r" % (", ".join(INTERIOR_OPS), ops))
    m = [[int(matrix_bits[i * V + j]) for j in range(V)] for i in range(V)]
    if any(m[i][j] for i in range(V) for j in range(i + 1)):
        raise InvalidCell("matrix is not strictly upper-triangular: %s" % matrix_bits)
    return m, list(ops)


def parse_arch_arg(text):
    """'MATRIX:op,op,...' (the --arch form; '|' also separates labels, as in the CSV)."""
    if ":" not in text:
        raise InvalidCell("--arch wants MATRIX:OPS, got %r" % text)
    bits, ops = text.split(":", 1)
    return parse_cell(bits, [o.strip() for o in ops.replace("|", ",").split(",") if o.strip()])


def prune(matrix, ops):
    """ModelSpec._prune, then nasbench's validity rule (judged after pruning).

    Keeps the vertices reachable from the input and reaching the output, in their order; raises
    InvalidCell if the input does not reach the output or the pruned cell exceeds 7 vertices / 9 edges."""
    V = len(ops)
    fwd, stack = {0}, [0]
    while stack:
        v = stack.pop()
        for w in range(v + 1, V):
            if matrix[v][w] and w not in fwd:
                fwd.add(w)
                stack.append(w)
    bwd, stack = {V - 1}, [V - 1]
    while stack:
        v = stack.pop()
        for u in range(v):
            if matrix[u][v] and u not in bwd:
                bwd.add(u)
                stack.append(u)
    if V - 1 not in fwd:
        raise InvalidCell("input does not reach output")
    keep = [v for v in range(V) if v in fwd and v in bwd]
    cell = Cell101([[matrix[i][j] for j in keep] for i in keep], [ops[v] for v in keep])
    if cell.V > MAX_VERTICES or cell.num_edges > MAX_EDGES:
        raise InvalidCell("pruned cell has %d vertices, %d edges (max %d, %d)"
                          % (cell.V, cell.num_edges, MAX_VERTICES, MAX_EDGES))
    return cell


def cell_hash(cell):
    """graph_util.hash_module on the pruned cell (SPEC.md 5, "Unique hash")."""
    V, m = cell.V, cell.matrix
    labels = [-1] + [INTERIOR_OPS.index(o) for o in cell.ops[1:-1]] + [-2]

    def md5(s):
        return hashlib.md5(s.encode("utf-8")).hexdigest()

    out_deg = [sum(m[v]) for v in range(V)]
    in_deg = [sum(m[u][v] for u in range(V)) for v in range(V)]
    h = [md5(str((out_deg[v], in_deg[v], labels[v]))) for v in range(V)]
    for _ in range(V):
        h = [md5("".join(sorted(h[w] for w in range(V) if m[w][v])) + "|"
                 + "".join(sorted(h[w] for w in range(V) if m[v][w])) + "|" + h[v])
             for v in range(V)]
    return md5(str(sorted(h)))


def vertex_channels(c_in, c_out, matrix):
    """ComputeVertexChannels (SPEC.md 5): split C_out over the vertices feeding the output, the extra
    channels going to the lowest such vertices; a vertex not feeding the output takes the largest
    channel count of its interior successors."""
    V = len(matrix)
    ch = [0] * V
    ch[0], ch[V - 1] = c_in, c_out
    if V == 2:
        return ch
    k = sum(matrix[v][V - 1] for v in range(1, V - 1))
    base, extra = divmod(c_out, k)
    for v in range(1, V - 1):
        if matrix[v][V - 1]:
            ch[v] = base
            if extra > 0:
                ch[v] += 1
                extra -= 1
    for v in range(V - 3, 0, -1):
        if not matrix[v][V - 1]:
            ch[v] = max(ch[d] for d in range(v + 1, V - 1) if matrix[v][d])
    return ch


# ----------------------------------------------------------------------------
# Network (module names give the reference state_dict names)
# ----------------------------------------------------------------------------

class ConvBnRelu(nn.Module):
    """Conv(k x k, stride 1, 'same' padding, no bias) -> BN -> ReLU; submodule conv_bn_relu.{0,1,2}."""

    def __init__(self, c_in, c_out, kernel):
        super().__init__()
        self.conv_bn_relu = nn.Sequential(
            nn.Conv2d(c_in, c_out, kernel, stride=1, padding=(kernel - 1) // 2, bias=False),
            nn.BatchNorm2d(c_out, eps=1e-5, momentum=0.1),
            nn.ReLU(inplace=False),
        )

    def forward(self, x):
        return self.conv_bn_relu(x)


class Conv3x3BnRelu(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv3x3 = ConvBnRelu(c_in, c_out, 3)

    def forward(self, x):
        return self.conv3x3(x)


class Conv1x1BnRelu(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv1x1 = ConvBnRelu(c_in, c_out, 1)

    def forward(self, x):
        return self.conv1x1(x)


class MaxPool3x3(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.maxpool = nn.MaxPool2d(3, stride=1, padding=1)  # pads with -inf: padding never wins

    def forward(self, x):
        return self.maxpool(x)


VERTEX_OPS = {CONV3X3: Conv3x3BnRelu, CONV1X1: Conv1x1BnRelu, MAXPOOL3X3: MaxPool3x3}


def truncate(x, channels):
    """Keep the first `channels` channels (vertex channels differ by at most one along an edge)."""
    c = x.size(1)
    if c == channels:
        return x
    if c != channels + 1:
        raise RuntimeError("cannot truncate %d channels to %d" % (c, channels))
    return x[:, :channels]


class Cell(nn.Module):
    """One NB101 module. vertex_op.t for interior vertices t, input_op.t (a 1x1 ConvBnRelu projection of
    the cell input) for every edge 0->t, t = V-1 included. Construction order (all vertex ops, then all
    projections) is the reference's, so the default-init draws line up with it."""

    def __init__(self, cell, c_in, c_out):
        super().__init__()
        self.spec = cell
        V, m = cell.V, cell.matrix
        self.channels = vertex_channels(c_in, c_out, m)
        self.truncates = any(m[s][t] and self.channels[s] != self.channels[t]
                             for s in range(1, V - 1) for t in range(s + 1, V - 1))
        self.vertex_op = nn.ModuleDict()
        for t in range(1, V - 1):
            self.vertex_op[str(t)] = VERTEX_OPS[cell.ops[t]](self.channels[t], self.channels[t])
        self.input_op = nn.ModuleDict()
        for t in range(1, V):
            if m[0][t]:
                self.input_op[str(t)] = ConvBnRelu(c_in, self.channels[t], 1)

    def forward(self, x):
        V, m, ch = self.spec.V, self.spec.matrix, self.channels
        out = [x]
        for t in range(1, V - 1):
            # Interior predecessors in ascending order, then the input projection: ((a + b) + proj).
            acc = None
            for s in range(1, t):
                if m[s][t]:
                    a = truncate(out[s], ch[t])
                    acc = a if acc is None else acc + a
            if m[0][t]:
                p = self.input_op[str(t)](x)
                acc = p if acc is None else acc + p
            out.append(self.vertex_op[str(t)](acc))
        concat = [out[t] for t in range(1, V - 1) if m[t][V - 1]]
        if not concat:
            return self.input_op[str(V - 1)](x)  # V = 2: input -> output only
        y = concat[0] if len(concat) == 1 else torch.cat(concat, dim=1)
        if m[0][V - 1]:
            y = y + self.input_op[str(V - 1)](x)  # out of place (the reference adds in place)
        return y


class Network(nn.Module):
    """layers.0 = stem, layers.1-3 / 5-7 / 9-11 = cells, layers.4 and .8 = 2x2 max-pools; classifier."""

    def __init__(self, cell, stem_channels=16, num_classes=1, num_stacks=3, cells_per_stack=3):
        super().__init__()
        self.layers = nn.ModuleList([ConvBnRelu(3, stem_channels, 3)])
        c_in = c_out = stem_channels
        for stack in range(num_stacks):
            if stack > 0:
                self.layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                c_out *= 2
            for _ in range(cells_per_stack):
                self.layers.append(Cell(cell, c_in, c_out))
                c_in = c_out
        self.classifier = nn.Linear(c_out, num_classes)
        self.initialize_weights()

    def initialize_weights(self):
        """The reference's _initialize_weights, in module order, after the default init was drawn."""
        for mod in self.modules():
            if isinstance(mod, nn.Conv2d):
                n = mod.kernel_size[0] * mod.kernel_size[1] * mod.out_channels
                mod.weight.data.normal_(0, math.sqrt(2.0 / n))
                if mod.bias is not None:
                    mod.bias.data.zero_()
            elif isinstance(mod, nn.BatchNorm2d):
                mod.weight.data.fill_(1)
                mod.bias.data.zero_()
            elif isinstance(mod, nn.Linear):
                mod.weight.data.normal_(0, 0.01)
                mod.bias.data.zero_()

    def first_cell_channels(self):
        """Vertex channels of the first cell of each stack."""
        return [l.channels for i, l in enumerate(self.layers) if i in (1, 5, 9)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.classifier(x.mean(dim=(2, 3)))


def count_params(net):
    return int(sum(p.numel() for p in net.parameters()))


# ----------------------------------------------------------------------------
# NASWOT
# ----------------------------------------------------------------------------

def hooked_K(net, x):
    """One hooked forward pass: K (float64 [B, B]), hooked tensors, units per sample."""
    B = x.shape[0]
    state = {"K": torch.zeros(B, B, dtype=torch.float64, device=x.device), "count": 0, "units": 0}

    def hook(module, inp, out):
        t = inp[0].reshape(B, -1)
        c = (t > 0).float()
        state["K"] += (c @ c.t()).double() + ((1.0 - c) @ (1.0 - c).t()).double()
        state["count"] += 1
        state["units"] += t.size(1)

    # "ReLU" in the type name, as the reference selects them: in this network only nn.ReLU.
    handles = [m.register_forward_hook(hook) for m in net.modules() if "ReLU" in type(m).__name__]
    try:
        with torch.no_grad():
            net(x)
    finally:
        for h in handles:
            h.remove()
    return state["K"], state["count"], state["units"]


def logdet(K):
    sign, val = np.linalg.slogdet(K.cpu().numpy())
    return float(sign), float(val)


def build(cell, stem, classes, device, weights=None, seed=0):
    """Seed, construct with the reference init, optionally load a state_dict; train mode on `device`."""
    torch.manual_seed(seed)
    net = Network(cell, stem, classes)
    if weights is not None:
        nb201.load_weights(net, weights)
    net = net.to(device)
    net.train()  # batch-statistics BN, as the reference
    return net


def score_cell(cell, x, device, stem=16, classes=1, weights=None, seed=0, repeats=1):
    """Build + score `repeats` times; the score comes from the first run, times are medians."""
    build_t, fwd_t, ld_t = [], [], []
    res = None
    for _ in range(max(1, repeats)):
        nb201.sync(device)
        t0 = time.perf_counter()
        net = build(cell, stem, classes, device, weights, seed)
        nb201.sync(device)
        t1 = time.perf_counter()
        K, count, units = hooked_K(net, x)
        nb201.sync(device)
        t2 = time.perf_counter()
        sign, val = logdet(K)
        t3 = time.perf_counter()
        build_t.append(t1 - t0)
        fwd_t.append(t2 - t1)
        ld_t.append(t3 - t2)
        if res is None:
            res = {"naswot": val, "naswot_sign": sign, "relu_count": count, "relu_units": units,
                   "params": count_params(net), "vertex_channels": net.first_cell_channels(),
                   "truncation": any(l.truncates for l in net.layers if isinstance(l, Cell)),
                   "K": K.cpu()}
        del net
    res.update({
        "build_s": statistics.median(build_t), "forward_k_s": statistics.median(fwd_t),
        "logdet_s": statistics.median(ld_t),
        "build_s_all": build_t, "forward_k_s_all": fwd_t,
    })
    res["total_s"] = res["build_s"] + res["forward_k_s"] + res["logdet_s"]
    return res


# ----------------------------------------------------------------------------
# Inputs: CSV rows, tensors
# ----------------------------------------------------------------------------

def read_csv_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def parse_rows(specs, n):
    """'A:B' (Python slice), 'I', or comma lists of those -> row indices."""
    out = []
    for spec in specs:
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            if ":" in part:
                a, b = part.split(":", 1)
                out.extend(range(n)[slice(int(a) if a else None, int(b) if b else None)])
            else:
                i = int(part)
                if not 0 <= i < n:
                    raise ValueError("row %d outside 0..%d" % (i, n - 1))
                out.append(i)
    return out


def csv_cell(row):
    m, ops = parse_cell(row["matrix_7x7_rowmajor"], row["ops"].split("|"))
    return prune(m, ops)


def tensors_from_safetensors(path):
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in nb201.read_safetensors(path).items()}


def read_input_tensor(path, offset, batch):
    t = tensors_from_safetensors(path)
    x = t["input"] if "input" in t else next(iter(t.values()))
    if x.dim() != 4 or offset < 0 or offset + batch > x.shape[0]:
        raise ValueError("%s: shape %s, asked for images %d..%d" % (path, tuple(x.shape), offset, offset + batch - 1))
    return x[offset:offset + batch].float().contiguous()


# ----------------------------------------------------------------------------
# --check-oracle
# ----------------------------------------------------------------------------

def oracle_num(v):
    return float(v) if isinstance(v, str) else v


def oracle_input(root, doc, expect):
    """The oracle's input.safetensors; `expect`s it to be the CIFAR-10 reader's output for the same images (when
    the images are at hand)."""
    x = read_input_tensor(os.path.join(root, "input.safetensors"), 0, doc["batch"])
    img = os.path.join(root, "..", "..", "data", "cifar10", doc["images"])
    if os.path.exists(img):
        same = torch.equal(nb201.read_cifar_batch(img, doc["offset"], doc["batch"]), x)
        expect(same, "input.safetensors != read_cifar_batch(%s)" % doc["images"])
        print("# input.safetensors vs CIFAR-10 reader (%s, offset %d, batch %d): %s"
              % (doc["images"], doc["offset"], doc["batch"], "identical" if same else "DIFFERENT"))
    return x


def check_oracle(root, csv_path, device):
    """Compare with shared/oracle/nb101 (SPEC.md 5 tolerances) and the benchmark's parameter counts."""
    doc = json.load(open(os.path.join(root, "cases.json")))
    failures = []
    init_differs = 0

    def expect(ok, what):
        if not ok:
            failures.append(what)
        return ok

    x = oracle_input(root, doc, expect).to(device)

    print("# oracle %s: %d cases, batch %d, stem 16, 1 label; tol |dK| <= 5e-4*relu_units, |dnaswot| <= 5e-4"
          % (root, len(doc["cases"]), doc["batch"]))
    print("# spec: pruned cell, V, E, hash, vertex channels, truncation, input->output, reference_fails as cases.json;"
          " init: weights from --seed init_seed vs the weight file")
    hdr = ("case", "V", "E", "ref_fails", "relu_count", "relu_units", "params", "K_ii", "max|dK|",
           "naswot", "|dnaswot|", "spec", "init", "ok")
    print("\t".join(hdr))
    for c in doc["cases"]:
        name = c["name"]
        bad0 = len(failures)
        m, ops = parse_cell(c["matrix"], c["ops"])
        cell = prune(m, ops)
        # the cell as the oracle describes it
        spec_ok = all([
            expect(cell.matrix_string() == c["pruned_matrix"] and cell.ops == c["pruned_ops"],
                   "%s: pruned cell %s" % (name, cell.arch_string())),
            expect(cell.V == c["num_vertices"] and cell.num_edges == c["num_edges"], "%s: V/E" % name),
            expect(cell_hash(cell) == c["hash"], "%s: hash %s" % (name, cell_hash(cell))),
            expect(cell.input_to_output() == c["input_to_output"], "%s: input_to_output" % name),
            expect(cell.reference_fails() == c["reference_fails"], "%s: reference_fails" % name),
        ])
        weights = tensors_from_safetensors(os.path.join(root, name, "weights.safetensors"))
        res = score_cell(cell, x, device, 16, 1, weights=weights)
        spec_ok &= expect(res["vertex_channels"] == c["vertex_channels"],
                          "%s: vertex channels %s" % (name, res["vertex_channels"]))
        spec_ok &= expect(res["truncation"] == c["truncation"], "%s: truncation" % name)
        # The init law with the case's seed gives the weight file bit for bit when construction order and
        # torch's CPU generator match the oracle's (torch 1.13). Reported, not required: another torch
        # release may draw differently without the network being wrong.
        seeded = build(cell, 16, 1, torch.device("cpu"), seed=c["init_seed"]).state_dict()
        init_ok = all(torch.equal(seeded[k], weights[k].reshape(seeded[k].shape).to(seeded[k].dtype))
                      for k in seeded)
        init_differs += not init_ok

        K = res["K"].numpy()
        Kx = nb201.read_safetensors(os.path.join(root, name, "expected.safetensors"))["K"]
        units = res["relu_units"]
        kii = bool(np.all(np.diag(K) == units))
        dk = float(np.max(np.abs(K - Kx)))
        dn = abs(res["naswot"] - oracle_num(c["naswot"]))
        expect(res["relu_count"] == c["relu_count"], "%s: relu_count %d" % (name, res["relu_count"]))
        expect(units == c["relu_units"], "%s: relu_units %d" % (name, units))
        expect(res["params"] == c["params"], "%s: params %d" % (name, res["params"]))
        expect(kii, "%s: K_ii != relu_units" % name)
        expect(dk <= 5e-4 * c["relu_units"], "%s: max|dK| %g" % (name, dk))
        expect(dn <= 5e-4 and res["naswot_sign"] == oracle_num(c["naswot_sign"]), "%s: naswot %r" % (name, res["naswot"]))
        print("\t".join(str(v) for v in (
            name, cell.V, cell.num_edges, c["reference_fails"], res["relu_count"], units, res["params"],
            "ok" if kii else "BAD", "%g" % dk, nb201.fmt_score(res["naswot"]), "%.3g" % dn,
            "ok" if spec_ok else "BAD", "same" if init_ok else "differs",
            "ok" if len(failures) == bad0 else "FAIL")), flush=True)

    # Parameter counts of the benchmark's networks (stem 128, 10 labels).
    print("# params at stem 128, 10 labels: CSV `params` (millions) and the nasbench README cell")
    print("\t".join(("cell", "V", "E", "hash", "params", "expected", "ok")))
    rows = read_csv_rows(csv_path)
    items = [("row %d" % i, csv_cell(rows[i]), int(round(float(rows[i]["params"]) * 1e6)), None) for i in range(10)]
    items.append(("inception", prune(*parse_cell(*INCEPTION_CELL)), INCEPTION_PARAMS, INCEPTION_HASH))
    for label, cell, want, want_hash in items:
        p = count_params(Network(cell, 128, 10))
        h = cell_hash(cell)
        ok = expect(p == want, "%s: params %d != %d" % (label, p, want))
        if want_hash is not None:
            ok &= expect(h == want_hash, "%s: hash %s != %s" % (label, h, want_hash))
        print("\t".join(str(v) for v in (label, cell.V, cell.num_edges, h, p, want, "ok" if ok else "FAIL")),
              flush=True)

    if init_differs:
        print("# note: %d case(s) where --seed init_seed does not reproduce the weight file (torch %s)"
              % (init_differs, torch.__version__))
    return nb201.report_checks(failures)


# ----------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------

def add_run_arguments(ap, unit, oracle):
    """The options this script shares with torch_darts.py: the batch, the device and threads, timing, output."""
    ap.add_argument("--data", help="CIFAR-10 binary batch file")
    ap.add_argument("--dataset", default="cifar10", choices=sorted(nb201.DATASET_NORM))
    ap.add_argument("--input", help="input tensor from a .safetensors file (key `input`), e.g. the oracle's")
    ap.add_argument("--synthetic", action="store_true", help="use N(0,1) random input")
    ap.add_argument("--data-seed", type=int, default=0, help="seed of the --synthetic input")
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 on CUDA (default: strict FP32)")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1; 0: torch's default)")
    ap.add_argument("--repeats", "--repeat", type=int, default=1,
                    help="build and score each %s this many times; times are medians, the score the first run's" % unit)
    ap.add_argument("--warmup", type=int, default=0, help="untimed runs of the first %s before timing" % unit)
    ap.add_argument("--json", help="write results to this file")
    ap.add_argument("--check-oracle", metavar="DIR", help="check against %s oracle directory and exit" % oracle)


def open_device(ap, args):
    """Threads, the device (refused when CUDA is asked and absent) and strict FP32 unless --tf32."""
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda but torch.cuda.is_available() is False")
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    return device


def main(argv=None):
    ap = argparse.ArgumentParser(description="Reference-style PyTorch NASWOT on NAS-Bench-101")
    ap.add_argument("--arch", action="append", default=[],
                    help="MATRIX:OPS, row-major V*V bits then comma-separated labels (repeatable; pruned here)")
    ap.add_argument("--csv", default=DEFAULT_CSV, help="NB101 CSV with matrix_7x7_rowmajor and ops columns")
    ap.add_argument("--rows", action="append", default=[],
                    help="CSV rows (0-based after the header): A:B, I, or comma lists (repeatable)")
    ap.add_argument("--stem-channels", type=int, default=16)
    ap.add_argument("--classes", type=int, default=1)
    ap.add_argument("--weights", help="state_dict as .safetensors (a single cell only)")
    ap.add_argument("--seed", type=int, default=0, help="torch.manual_seed before building (init law)")
    add_run_arguments(ap, "cell", "an NB101")
    args = ap.parse_args(argv)
    device = open_device(ap, args)

    if args.check_oracle:
        return check_oracle(args.check_oracle, args.csv, device)

    items = []  # (CSV row or None, pruned cell, CSV row dict or None)
    try:
        if args.rows:
            rows = read_csv_rows(args.csv)
            for i in parse_rows(args.rows, len(rows)):
                try:
                    items.append((i, csv_cell(rows[i]), rows[i]))
                except InvalidCell as e:
                    raise InvalidCell("CSV row %d: %s" % (i, e))
        for a in args.arch:
            items.append((None, prune(*parse_arch_arg(a)), None))
    except (InvalidCell, ValueError) as e:
        ap.error(str(e))
    if not items:
        ap.error("give at least one --arch or --rows")
    if args.weights and len(items) != 1:
        ap.error("--weights holds one network: give a single cell")

    if args.input:
        x = read_input_tensor(args.input, args.offset, args.batch)
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

    weights = tensors_from_safetensors(args.weights) if args.weights else None
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else (platform.processor() or "cpu")
    print("# torch %s, numpy %s, python %s, device %s, threads %d, batch %d, stem %d, classes %d, data %s, %s"
          % (torch.__version__, np.__version__, platform.python_version(), device_name, torch.get_num_threads(),
             batch, args.stem_channels, args.classes, data_desc,
             "weights %s" % args.weights if weights else "init seed %d" % args.seed), flush=True)
    print("# row\tcell\tV\tE\thash\trelu_count\trelu_units\tparams\tnaswot\tbuild_s\tforward_k_s\treference_fails",
          flush=True)

    for _ in range(args.warmup):
        score_cell(items[0][1], x, device, args.stem_channels, args.classes, weights, args.seed)

    results = []
    for row, cell, csv_row in items:
        res = score_cell(cell, x, device, args.stem_channels, args.classes, weights, args.seed, args.repeats)
        rec = {
            "row": row, "cell": cell.arch_string(), "matrix": cell.matrix_string(), "ops": cell.ops,
            "num_vertices": cell.V, "num_edges": cell.num_edges, "hash": cell_hash(cell),
            "vertex_channels": res["vertex_channels"], "truncation": res["truncation"],
            "input_to_output": cell.input_to_output(), "reference_fails": cell.reference_fails(),
            "relu_count": res["relu_count"], "relu_units": res["relu_units"], "params": res["params"],
            "naswot": res["naswot"], "naswot_sign": res["naswot_sign"],
            "build_s": res["build_s"], "forward_k_s": res["forward_k_s"], "logdet_s": res["logdet_s"],
            "total_s": res["total_s"], "build_s_all": res["build_s_all"], "forward_k_s_all": res["forward_k_s_all"],
        }
        if csv_row is not None:
            rec["val_accuracy"] = float(csv_row["val_accuracy"])
        results.append(rec)
        print("%s\t%s\t%d\t%d\t%s\t%d\t%d\t%d\t%s\t%.4f\t%.4f\t%s" % (
            "-" if row is None else row, rec["cell"], cell.V, cell.num_edges, rec["hash"], rec["relu_count"],
            rec["relu_units"], rec["params"], nb201.fmt_score(rec["naswot"]), rec["build_s"],
            rec["forward_k_s"], "yes" if rec["reference_fails"] else "no"), flush=True)

    n = len(results)
    mean_build = sum(r["build_s"] for r in results) / n
    mean_fwd = sum(r["forward_k_s"] for r in results) / n
    mean_total = sum(r["total_s"] for r in results) / n
    print("# cells %d, mean seconds per cell: build %.4f, forward+K %.4f, total %.4f (median of %d each)"
          % (n, mean_build, mean_fwd, mean_total, max(1, args.repeats)), flush=True)

    if args.json:
        doc = {
            "tool": "torch_nb101",
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "device": str(device), "device_name": device_name, "threads": torch.get_num_threads(),
            "tf32": args.tf32, "batch": batch, "data": data_desc,
            "stem_channels": args.stem_channels, "classes": args.classes,
            "weights": args.weights, "seed": None if args.weights else args.seed,
            "repeats": max(1, args.repeats), "warmup": args.warmup,
            "results": [{k: nb201.json_num(v) for k, v in r.items()} for r in results],
            "mean_build_s": mean_build, "mean_forward_k_s": mean_fwd, "mean_total_s": mean_total,
        }
        nb201.write_json(args.json, doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
