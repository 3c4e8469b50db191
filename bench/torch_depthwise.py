"""PyTorch's depthwise convolutions on the CPU at the shapes of bench_cpu_conv: median seconds per call.

/usr/bin/python3 bench/torch_depthwise.py [--batch 64] [--repeat 20] [--threads N] [--size S ...]
"""
import argparse
import time

import torch

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--repeat", type=int, default=20)
parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
parser.add_argument("--size", type=int, nargs="*", default=[32, 16, 8])
args = parser.parse_args()
if args.threads > 0:
    torch.set_num_threads(args.threads)

print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
print("| C | HxW | k | stride | dilation | median ms | GMAC/s |\n|---|---|---|---|---|---|---|")
for channels, size in ((16, 32), (32, 16), (64, 8)):  # the loops of bench_cpu_conv.cpp, in its order
    if size not in args.size:
        continue
    for kernel in (3, 5):
        for dilation in (1, 2):
            for stride in (1, 2):
                conv = torch.nn.Conv2d(channels, channels, kernel, stride, dilation * (kernel - 1) // 2, dilation,
                                       groups=channels, bias=False)
                x = torch.rand(args.batch, channels, size, size) * 2 - 1
                times = []
                with torch.no_grad():
                    y = conv(x)  # warm-up
                    for _ in range(args.repeat):
                        start = time.perf_counter()
                        conv(x)
                        times.append(time.perf_counter() - start)
                median = sorted(times)[len(times) // 2]
                macs = y.numel() * kernel * kernel
                print(f"| {channels} | {size}x{size} | {kernel} | {stride} | {dilation} | {median * 1e3:.3f} "
                      f"| {macs / median / 1e9:.2f} |")
