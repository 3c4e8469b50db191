#!/usr/bin/env python3
"""Reference-style PyTorch NASWOT on the NATS-Bench size search space (baseline for zcnas).

Builds the network of SPEC.md section 6 for a channel string c0:c1:c2:c3:c4 (each in 8, 16, ..., 64): stem
Conv3x3(3 -> c0) + BN; cells.0 = cell(c0 -> c0) at 32x32, cells.1 = ResNet block(c0 -> c1, stride 2), cells.2 =
cell(c1 -> c2), cells.3 = ResNet block(c2 -> c3, stride 2), cells.4 = cell(c3 -> c4); lastact BN + ReLU, global
average pool, Linear(c4 -> classes); train-mode BatchNorm. The cell is NB201 arch 9930,
|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|: edges from
node 0 map C_in -> C_out, the others C_out -> C_out, and the skip (layers.3) is the identity when the widths
agree and otherwise a stride-1 FactorizedReduce: Conv1x1 + BN, whose ReLU module exists but never runs. The
ResNet block always has its AvgPool2x2 + Conv1x1 downsample. This is bench/torch_naswot.py's TinyNetwork given
the five layer widths. Module names give the reference's state_dict names, so the oracle's weight files load
strictly; without one, PyTorch's default init after torch.manual_seed(--seed).

NASWOT as SPEC.md sections 2 and 6 state it: a forward hook on every module whose type name contains "ReLU"
(nn.ReLU and the ReLUConvBN wrappers: 39 hooked tensors), codes x > 0, K += c c^T + (1-c)(1-c)^T as float32
products accumulated in float64, score = log|det K| (numpy slogdet). One forward pass under torch.no_grad():
the reference's backward pass only filters out modules that never run, which here is the FactorizedReduce's
ReLU, never hooked anyway.

For torch 1.13 (Debian python3-torch: use /usr/bin/python3) and torch 2.x.

Examples:
  /usr/bin/python3 bench/torch_nats_sss.py --index 0 --index 32767 --arch 8:16:32:48:64 \
      --data ../shared/data/cifar10/data_batch_1_exact_first932.bin --batch 128 --repeats 3
  /usr/bin/python3 bench/torch_nats_sss.py --check-oracle ../shared/oracle/nats_sss
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_naswot as nb201  # noqa: E402  (TinyNetwork, safetensors / CIFAR readers, weight loading, formatting)
import torch_nb101 as nb101  # noqa: E402  (the hooked pass and log-determinant, parameter counts, tensor files)

WIDTHS = tuple(range(8, 65, 8))
NUM_ARCHS = len(WIDTHS) ** 5

# The cell of every network (main-sss.py's genotype, NB201 index 9930).
CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"

# NATS-Bench's own parameter counts at 10 classes (millions), SPEC.md section 6.
NATS_PARAMS_M = {0: 0.011714, 11: 0.049202, 284: 0.144834}


# ----------------------------------------------------------------------------
# Channel strings and the official index (SPEC.md section 6)
# ----------------------------------------------------------------------------

def parse_channels(text):
    parts = text.split(":")
    if len(parts) != 5:
        raise ValueError("%r: %d parts separated by ':', need 5" % (text, len(parts)))
    widths = []
    for k, p in enumerate(parts):
        if not p.isdigit() or int(p) not in WIDTHS:
            raise ValueError("%r: channel %d is %r, not one of 8, 16, ..., 64" % (text, k + 1, p))
        widths.append(int(p))
    return widths


def channels_to_index(widths):
    index = 0
    for c in widths:
        index = index * 8 + (c // 8 - 1)
    return index


def index_to_channels(index):
    if not 0 <= index < NUM_ARCHS:
        raise ValueError("index %d outside 0..%d" % (index, NUM_ARCHS - 1))
    return [8 * ((index // 8 ** (4 - k)) % 8 + 1) for k in range(5)]


def channel_string(widths):
    return ":".join(str(c) for c in widths)


# ----------------------------------------------------------------------------
# Network (module names give the reference state_dict names)
# ----------------------------------------------------------------------------

def build(widths, classes=1, weights=None, seed=0):
    """bench/torch_naswot.py's TinyNetwork with the layer widths: xautodl's DynamicShapeTinyNet."""
    torch.manual_seed(seed)
    net = nb201.TinyNetwork(CELL, num_classes=classes, layer_channels=widths)
    if weights is not None:
        nb201.load_weights(net, weights)
    net.train()  # batch-statistics BN, as the reference
    return net


# ----------------------------------------------------------------------------
# NASWOT
# ----------------------------------------------------------------------------

def score(widths, x, classes=1, weights=None, seed=0, repeats=1):
    """Build + score `repeats` times; the score comes from the first run, times are medians."""
    build_t, fwd_t, ld_t = [], [], []
    res = None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        net = build(widths, classes, weights, seed)
        t1 = time.perf_counter()
        K, count, units = nb101.hooked_K(net, x)
        t2 = time.perf_counter()
        sign, logabsdet = nb101.logdet(K)
        t3 = time.perf_counter()
        build_t.append(t1 - t0)
        fwd_t.append(t2 - t1)
        ld_t.append(t3 - t2)
        if res is None:
            res = {"naswot": logabsdet, "naswot_sign": sign, "relu_count": count, "relu_units": units,
                   "params": nb101.count_params(net), "K": K.numpy()}
    res.update({"build_s": statistics.median(build_t), "forward_k_s": statistics.median(fwd_t),
                "logdet_s": statistics.median(ld_t)})
    return res


# ----------------------------------------------------------------------------
# --check-oracle
# ----------------------------------------------------------------------------

def check_oracle(root):
    """Rebuild every case of shared/oracle/nats_sss from its channels and weights; SPEC.md's section 6-7
    tolerances: hooked tensors, units and parameters exact, K_ii = units, |dK| <= 1e-4 units, |dnaswot| <= 1e-6
    relative."""
    doc = json.load(open(os.path.join(root, "cases.json")))
    failures = []

    def expect(ok, what):
        if not ok:
            failures.append(what)
        return ok

    x = nb101.oracle_input(root, doc, expect)
    print("# oracle %s: %d cases, batch %d; init: weights from --seed init_seed vs the weight file"
          % (root, len(doc["cases"]), doc["batch"]))
    print("\t".join(("case", "channels", "index", "relu_count", "relu_units", "params", "params_c10", "K_ii",
                     "max|dK|", "naswot", "|dnaswot|", "init", "ok")))
    for c in doc["cases"]:
        name, bad0 = c["name"], len(failures)
        widths = parse_channels(c["channels"])
        expect(channels_to_index(widths) == c["index"], "%s: index %d" % (name, channels_to_index(widths)))
        weights = nb101.tensors_from_safetensors(os.path.join(root, name, "weights.safetensors"))
        res = score(widths, x, 1, weights)
        Kx = nb201.read_safetensors(os.path.join(root, name, "expected.safetensors"))["K"]
        units = res["relu_units"]
        kii = bool(np.all(np.diag(res["K"]) == units))
        dk = float(np.max(np.abs(res["K"] - Kx)))
        dn = abs(res["naswot"] - float(c["naswot"]))
        p10 = nb101.count_params(build(widths, 10))
        expect(res["relu_count"] == c["relu_count"], "%s: relu_count %d" % (name, res["relu_count"]))
        expect(units == c["relu_units"], "%s: relu_units %d" % (name, units))
        expect(res["params"] == c["params"], "%s: params %d" % (name, res["params"]))
        expect(p10 == c["params_num_classes_10"], "%s: params at 10 classes %d" % (name, p10))
        if c["index"] in NATS_PARAMS_M:
            expect(p10 == round(NATS_PARAMS_M[c["index"]] * 1e6), "%s: NATS-Bench's params" % name)
        expect(kii, "%s: K_ii != relu_units" % name)
        expect(dk <= 1e-4 * units, "%s: max|dK| %g" % (name, dk))
        expect(dn <= 1e-6 * abs(float(c["naswot"])), "%s: naswot %r" % (name, res["naswot"]))
        # Reported, not required: another torch release may draw the default init differently.
        seeded = build(widths, seed=c["init_seed"]).state_dict()
        init_ok = all(torch.equal(seeded[k], weights[k].reshape(seeded[k].shape).to(seeded[k].dtype)) for k in seeded)
        print("\t".join(str(v) for v in (
            name, c["channels"], c["index"], res["relu_count"], units, res["params"], p10, "ok" if kii else "BAD",
            "%g" % dk, nb201.fmt_score(res["naswot"]), "%.3g" % dn, "same" if init_ok else "differs",
            "ok" if len(failures) == bad0 else "FAIL")), flush=True)
    return nb201.report_checks(failures)


# ----------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description="Reference-style PyTorch NASWOT on the NATS-Bench size search space")
    ap.add_argument("--index", action="append", default=[], help="official index (repeatable, or a comma list)")
    ap.add_argument("--arch", action="append", default=[], help="channel string c0:c1:c2:c3:c4 (repeatable)")
    ap.add_argument("--classes", type=int, default=1)
    ap.add_argument("--weights", help="state_dict as .safetensors (a single network only)")
    ap.add_argument("--seed", type=int, default=0, help="torch.manual_seed before building (default init)")
    ap.add_argument("--data", help="CIFAR-10 binary batch file")
    ap.add_argument("--input", help="input tensor from a .safetensors file (key `input`), e.g. the oracle's")
    ap.add_argument("--offset", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    ap.add_argument("--repeats", type=int, default=1,
                    help="build and score each network this many times; times are medians, the score the first run's")
    ap.add_argument("--warmup", type=int, default=0, help="untimed runs of the first network before timing")
    ap.add_argument("--json", help="write results to this file")
    ap.add_argument("--check-oracle", metavar="DIR", help="check against a NATS-SSS oracle directory and exit")
    args = ap.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.check_oracle:
        return check_oracle(args.check_oracle)

    try:
        nets = [index_to_channels(int(s)) for spec in args.index for s in spec.split(",") if s.strip()]
        nets += [parse_channels(a) for a in args.arch]
    except ValueError as e:
        ap.error(str(e))
    if not nets:
        ap.error("give at least one --index or --arch")
    if args.weights and len(nets) != 1:
        ap.error("--weights holds one network: give a single one")
    if args.input:
        x = nb101.read_input_tensor(args.input, args.offset, args.batch)
        data_desc = "%s images %d..%d" % (args.input, args.offset, args.offset + args.batch - 1)
    elif args.data:
        x = nb201.read_cifar_batch(args.data, args.offset, args.batch)
        data_desc = "%s offset %d" % (args.data, args.offset)
    else:
        ap.error("give --data FILE or --input FILE")
    weights = None
    if args.weights:
        weights = nb101.tensors_from_safetensors(args.weights)

    print("# torch %s, numpy %s, python %s, threads %d, batch %d, classes %d, data %s, %s"
          % (torch.__version__, np.__version__, platform.python_version(), torch.get_num_threads(), x.shape[0],
             args.classes, data_desc, "weights %s" % args.weights if weights else "init seed %d" % args.seed),
          flush=True)
    print("# index\tchannels\trelu_count\trelu_units\tparams\tnaswot\tbuild_s\tforward_k_s\tlogdet_s", flush=True)
    for _ in range(args.warmup):
        score(nets[0], x, args.classes, weights, args.seed)
    results = []
    for widths in nets:
        res = score(widths, x, args.classes, weights, args.seed, args.repeats)
        rec = {"index": channels_to_index(widths), "arch": channel_string(widths)}
        rec.update({k: v for k, v in res.items() if k != "K"})
        results.append(rec)
        print("%d\t%s\t%d\t%d\t%d\t%s\t%.4f\t%.4f\t%.4f" % (
            rec["index"], rec["arch"], rec["relu_count"], rec["relu_units"], rec["params"],
            nb201.fmt_score(rec["naswot"]), rec["build_s"], rec["forward_k_s"], rec["logdet_s"]), flush=True)
    if args.json:
        doc = {"tool": "torch_nats_sss", "torch": torch.__version__, "threads": torch.get_num_threads(),
               "batch": int(x.shape[0]), "data": data_desc, "repeats": max(1, args.repeats), "warmup": args.warmup,
               "results": [{k: nb201.json_num(v) for k, v in r.items()} for r in results]}
        nb201.write_json(args.json, doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
