#!/usr/bin/env bash
# Per-kernel resources for sm_90, from ptxas itself (no GPU needed): every .cu of the engine (tests/ and bench/
# excepted) is compiled to a cubin with --resource-usage, and bench/kernel_resources.md gets, per __global__
# kernel, its registers, static shared memory, local memory (stack frame), spills and the occupancy that
# allows on an H100/H200 at the block size its launcher uses.
#
#   bash bench/kernel_resources.sh [OUT.md]       default: bench/kernel_resources.md
#   NVCC=/usr/local/cuda/bin/nvcc CUDA_ARCH=90 bash bench/kernel_resources.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
out="${1:-bench/kernel_resources.md}"
nvcc="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
arch="${CUDA_ARCH:-90}"
[ -x "$nvcc" ] || { echo "kernel_resources: nvcc not found (set NVCC)" >&2; exit 1; }
cuda_include="$(dirname "$(dirname "$nvcc")")/include"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cu' ':!tests/' ':!bench/' | sort -u)
else
  mapfile -t files < <(find . -name '*.cu' -not -path './build*' -not -path './tests/*' -not -path './bench/*' \
    -printf '%P\n' | sort)
fi
((${#files[@]})) || { echo "kernel_resources: no .cu files found" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The build's device flags (see CMakeLists.txt); -keep leaves the PTX, whose .maxntid gives library kernels'
# block sizes.
for f in "${files[@]}"; do
  d="$work/$(echo "$f" | tr / _)"
  mkdir -p "$d"
  echo "$f" >"$d/source"
  echo "compiling $f" >&2
  "$nvcc" -cubin -arch="sm_$arch" -O3 -std=c++17 --expt-relaxed-constexpr -DZCNAS_WITH_CUDA=1 -I"$root" \
    -isystem "$cuda_include" --resource-usage -keep -keep-dir "$d" -o "$d/out.cubin" "$f" >"$d/ptxas.log" 2>&1 ||
    { cat "$d/ptxas.log" >&2; exit 1; }
done

command="bash bench/kernel_resources.sh"
[ "$out" = bench/kernel_resources.md ] || command+=" $out"
python3 - "$work" "$out" "$arch" "$("$nvcc" --version | grep -o 'release [0-9.]*')" "$command" <<'PY'
import pathlib, re, subprocess, sys

work, out, arch, nvcc_version, command = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]

# Threads per block of each of the engine's kernels, as the launch-shape functions of its header set them. A
# kernel missing here stops the script: add it when you add a kernel.
BLOCK = {
    "batch_norm_stats_kernel": 256,        # kernels/batch_norm_kernels.cuh kStatsThreads
    "hamming_popcount_kernel": 256,        # kernels/hamming_kernels.cuh kHammingThreads
    "expand_bits_kernel": 256,             # kernels/hamming_kernels.cuh kElementThreads
    "row_popcount_kernel": 256,
    "combine_gram_kernel": 256,
    "kernel_to_double_kernel": 256,
    "flag_identical_samples_kernel": 256,
    "draw_uniform_params_kernel": 256,     # kernels/init_params_kernels.cuh kInitThreads
    "fill_constant_kernel": 256,
    "matrix_pointers_kernel": 256,         # kernels/logdet_kernels.cuh kPointerThreads
    "log_diagonal_kernel": 128,            # kernels/logdet_kernels.cuh kLogDiagonalThreads
    "pointwise_kernel": 256,               # kernels/pointwise_kernels.cuh kPointwiseThreads
    "avg_pool2x2_kernel": 256,             # kernels/pool_kernels.cuh kPoolThreads
    "max_pool2x2_kernel": 256,
    "avg_pool3x3_kernel": 256,
    "max_pool3x3_kernel": 256,
    "global_avg_pool_kernel": 256,
    "linear_kernel": 256,
    "unit_patterns_kernel": 256,           # kernels/unit_patterns_kernels.cuh kPatternThreads
    "mark_patterns_kernel": 256,
    "count_equal_to_diagonal_kernel": 256,
    "draw_initial_kernel": 128,            # search/evolution_kernels.cuh kEvolutionThreads
    "mark_selected_kernel": 128,
    "start_population_kernel": 128,
    "evolve_table_kernel": 128,
    "propose_children_kernel": 128,
    "insert_children_kernel": 128,
}
LIBRARY = ("cub::", "thrust::")  # CCCL's kernels: the block size is their tuning policy's, read from .maxntid
# CCCL kernels without launch bounds: the block size CCCL launches them with (None: never launched).
LIBRARY_BLOCK = {
    "DeviceMergeSortPartitionKernel": 256,  # cub/device/dispatch/dispatch_merge_sort.cuh threads_per_partition_block
    "EmptyKernel": None,                    # only its attributes are read, to learn the PTX version
}

# sm_90 (H100/H200) limits.
REGS_PER_SM, REG_UNIT, MAX_WARPS, MAX_THREADS, MAX_BLOCKS = 65536, 256, 64, 2048, 32
SMEM_PER_SM, SMEM_RESERVED, SMEM_PER_BLOCK = 228 * 1024, 1024, 227 * 1024


def demangle(names):
    res = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True, check=True)
    return res.stdout.splitlines()


def short_name(demangled):
    """The kernel's own name: the last scope of the part before its argument list, template arguments dropped."""
    depth, cut = 0, len(demangled)
    for i, ch in enumerate(demangled):  # the argument list starts at the first '(' outside template brackets
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "(" and depth == 0 and not demangled.startswith("(anonymous", i):
            cut = i
            break
    head = demangled[:cut]
    depth, plain = 0, ""
    for ch in head:
        depth += ch == "<"
        if depth == 0:
            plain += ch
        depth -= ch == ">"
    return plain.split("::")[-1].replace("void ", "").strip()


kernels = []  # (source, mangled, regs, smem, stack, spill_st, spill_ld, maxntid)
for d in sorted(p for p in work.iterdir() if p.is_dir()):
    source = (d / "source").read_text().strip()
    log = (d / "ptxas.log").read_text()
    maxntid = {}
    for ptx in d.glob("*.ptx"):
        for m in re.finditer(r"\.entry\s+([\w$.]+)\s*\((.*?)\)([^{]*)\{", ptx.read_text(), re.S):
            nt = re.search(r"\.maxntid\s+(\d+),\s*(\d+),\s*(\d+)", m.group(3))
            if nt:
                maxntid[m.group(1)] = int(nt.group(1)) * int(nt.group(2)) * int(nt.group(3))
    current = None
    for line in log.splitlines():
        m = re.search(r"Function properties for (\S+)", line)
        if m:
            current = {"mangled": m.group(1), "source": source}
            kernels.append(current)
            continue
        if current is None:
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m:
            current["stack"], current["spill_st"], current["spill_ld"] = map(int, m.groups())
        m = re.search(r"Used (\d+) registers", line)
        if m:
            current["regs"] = int(m.group(1))
            s = re.search(r"(\d+) bytes smem", line)
            current["smem"] = int(s.group(1)) if s else 0
            l = re.search(r"(\d+) bytes lmem", line)
            current["lmem"] = int(l.group(1)) if l else 0
            current["maxntid"] = maxntid.get(current["mangled"])
            current = None

# ptxas also lists __device__ functions it did not inline (none so far); only entries have a .entry in the PTX.
entries = set()
for d in work.iterdir():
    for ptx in d.glob("*.ptx"):
        entries.update(re.findall(r"\.entry\s+(\S+)\(", ptx.read_text()))
kernels = [k for k in kernels if k["mangled"] in entries]
if not kernels:
    sys.exit("kernel_resources: ptxas reported no kernels; its output format may have changed")
for k, name in zip(kernels, demangle([k["mangled"] for k in kernels])):
    k["name"] = name
    k["short"] = short_name(name)

missing = []
for k in kernels:
    library = k["name"].startswith(LIBRARY) or k["name"].startswith(tuple("void " + p for p in LIBRARY))
    k["library"] = library
    if library:
        if k["maxntid"]:
            k["block"] = k["maxntid"]
        elif k["short"] in LIBRARY_BLOCK:
            k["block"] = LIBRARY_BLOCK[k["short"]]
        else:
            missing.append(f"{k['short']} ({k['source']}, a CCCL kernel without launch bounds)")
    elif k["short"] in BLOCK:
        k["block"] = BLOCK[k["short"]]
        if k["maxntid"] and k["maxntid"] != k["block"]:
            sys.exit(f"kernel_resources: {k['short']} has __launch_bounds__({k['maxntid']}) but the table says "
                     f"{k['block']} threads")
    else:
        missing.append(f"{k['short']} ({k['source']})")
if missing:
    sys.exit("kernel_resources: no block size for " + ", ".join(missing) +
             "; add each to BLOCK (or LIBRARY_BLOCK) in bench/kernel_resources.sh with the size its launcher uses")


def occupancy(k):
    threads = k["block"]
    warps = -(-threads // 32)
    regs_per_warp = -(-k["regs"] * 32 // REG_UNIT) * REG_UNIT
    smem = k["smem"] + SMEM_RESERVED
    if k["smem"] > SMEM_PER_BLOCK:
        return 0, "smem"
    limits = {
        "blocks": MAX_BLOCKS,
        "warps": MAX_WARPS // warps,
        "threads": MAX_THREADS // threads,
        "registers": (REGS_PER_SM // regs_per_warp) // warps if regs_per_warp else MAX_BLOCKS,
        "shared memory": SMEM_PER_SM // smem,
    }
    blocks = min(limits.values())
    limiter = [name for name, v in limits.items() if v == blocks]
    return blocks, limiter


rows = []
for k in kernels:
    if k["block"]:
        blocks, limiter = occupancy(k)
        warps = blocks * -(-k["block"] // 32)
        k["occ"] = warps / MAX_WARPS
        occ = f"{blocks} | {warps} | {100 * warps / MAX_WARPS:.0f}% | "
        occ += "- (full)" if warps == MAX_WARPS else ", ".join(limiter)
    else:
        k["occ"] = None
        occ = "- | - | - | never launched"
    spills = f"{k['spill_st']}/{k['spill_ld']}"
    local = k["stack"] + k["lmem"]
    name = k["short"]
    if k["library"]:  # the template arguments tell the instantiations apart; the versioned namespaces do not
        name = re.sub(r"_GLOBAL__N__\w+::|\(anonymous namespace\)::|\bdetail::", "", k["name"])
        name = re.sub(r"\b(cub|thrust)::\w+_SM_\w+::", r"\1::", name.replace("void ", "")).split("(")[0]
    rows.append((0 if not k["library"] else 1, k["source"], k["short"], name,
                 f"| `{name}` | {k['source']} | {k['block'] or '-'} | {k['regs']} | {k['smem']} "
                 f"| {local} | {spills} | {occ} |"))
rows.sort()

lines = [
    f"# Kernel resources on sm_{arch}",
    "",
    f"Made by `{command}` (nvcc {nvcc_version.split()[-1]}, `-O3 -arch=sm_{arch}`, ptxas `--resource-usage`). "
    "Occupancy is per SM at the block size the launcher uses: 65,536 registers allocated per warp in units of "
    "256, at most 64 warps, 2,048 threads and 32 blocks, 228 KB of shared memory with 1 KB reserved per block. "
    "Local memory is the per-thread stack frame; the build fails on any spill or local-memory use "
    "(`-Xptxas -warn-spills,-warn-lmem-usage,-Werror`). Library kernels are CCCL's (the device search's sort), "
    "at their policy's block size.",
    "",
    "| kernel | source | threads | registers | static smem B | local B | spill st/ld B | blocks/SM | warps/SM "
    "| occupancy | limited by |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
]
lines += [r[-1] for r in rows]
launched = [k for k in kernels if k["occ"] is not None and not k["library"]]
lowest = sorted(launched, key=lambda k: (k["occ"], k["short"]))[:3]
lines += ["", "Lowest occupancy among the engine's kernels: " +
          "; ".join(f"`{k['short']}` {100 * k['occ']:.0f}% ({k['regs']} registers, {k['smem']} B shared)"
                    for k in lowest) + "."]
pathlib.Path(out).write_text("\n".join(lines) + "\n")
print(f"kernel_resources: {len(kernels)} kernels -> {out}")
PY
