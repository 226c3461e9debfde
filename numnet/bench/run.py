"""numnet vs PyTorch vs Dezero, in one run on one machine, same thread count, float32 → benchmarks/RESULTS.md.

    numnet bench [--quick] [--out benchmarks/RESULTS.md]        (also: make bench, python benchmarks/run.py)

Needs the reference contenders: ``pip install numnet[test] dezero`` (torch==2.13.0 CPU, Dezero, threadpoolctl).

Contenders alternate in short rounds and each keeps its best round, so machine noise hits all alike. All three run
in this one process, under the allocator setting numnet applies at import (glibc mmap/trim thresholds raised; set
NUMNET_MALLOPT=0 to compare without): the report states which.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

THREADS = int(os.environ.get("NUMNET_BENCH_THREADS", "2"))
HERE = Path(__file__).resolve().parent

import torch  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

import numnet  # noqa: E402
import numnet.functional as F  # noqa: E402
from numnet import _runtime  # noqa: E402

torch.set_num_threads(THREADS)
threadpool_limits(THREADS)

from numnet.bench.contenders import CONTENDERS  # noqa: E402
from numnet.bench.networks import kernels_section, networks_section  # noqa: E402


def best_rate(fns: dict[str, Callable[[], None]], work: float, rounds: int, min_time: float) -> dict[str, float]:
    """Alternate the contenders round by round; return each one's best rate (work units per second)."""
    for fn in fns.values():  # warm-up
        fn()
    best = {k: 0.0 for k in fns}
    reps = {}
    for k, fn in fns.items():  # calibrate repetitions per round
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        reps[k] = max(1, int(min_time / max(dt, 1e-6)))
    for _ in range(rounds):
        for k, fn in fns.items():
            # Let the other library's idle worker threads stop spinning (OpenBLAS and OpenMP threads busy-wait for
            # a while after a call and would steal one of the two cores), then one untimed call.
            time.sleep(0.3)
            fn()
            t0 = time.perf_counter()
            for _ in range(reps[k]):
                fn()
            dt = time.perf_counter() - t0
            best[k] = max(best[k], work * reps[k] / dt)
    return best


def lenet_section(args) -> tuple[list[str], dict]:
    lines = ["## LeNet-5, samples/s (higher is better)", "",
             "| | " + " | ".join(CONTENDERS) + " | numnet / torch | numnet / dezero |",
             "|---|" + "---|" * (len(CONTENDERS) + 2)]
    ratios = {}
    for mode, n in [("train", 32), ("train", 64), ("train", 256), ("inference", 1000)]:
        fns = {}
        for name, make in CONTENDERS.items():
            train_step, infer, _ = make(n)
            fns[name] = train_step if mode == "train" else infer
        rates = best_rate(fns, n, args.rounds, args.min_time)
        r_t, r_d = rates["numnet"] / rates["torch"], rates["numnet"] / rates["dezero"]
        ratios[(mode, n)] = (r_t, r_d)
        lines.append(f"| {mode} B={n} | " + " | ".join(f"{rates[k]:,.0f}" for k in CONTENDERS)
                     + f" | **{r_t:.2f}×** | {r_d:.1f}× |")
        print(lines[-1], flush=True)
    return lines + [""], ratios


CONV_CONFIGS = [  # (N, C_in, C_out, H, k, pad, stride)
    (64, 3, 16, 32, 3, 1, 1),
    (64, 16, 32, 16, 3, 1, 1),
    (32, 64, 64, 8, 3, 1, 2),
    (64, 1, 6, 28, 5, 2, 1),
]


def conv_section(args) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(0)
    lines = ["## conv2d and pooling, milliseconds per call (lower is better)", "",
             "| layer | numnet fwd | torch fwd | ratio | numnet fwd+bwd | torch fwd+bwd | ratio |",
             "|---|---|---|---|---|---|---|"]
    gflops = []
    for n, cin, cout, h, k, p, s in CONV_CONFIGS:
        x = rng.standard_normal((n, cin, h, h), dtype=np.float32)
        w = rng.standard_normal((cout, cin, k, k), dtype=np.float32) * 0.1
        b = np.zeros(cout, np.float32)
        xn, wn, bn = (numnet.tensor(a, requires_grad=True) for a in (x, w, b))
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        out_shape = F.conv2d(xn, wn, bn, stride=s, padding=p).shape
        g = rng.standard_normal(out_shape, dtype=np.float32)
        gt = torch.from_numpy(g)

        def n_fwd():
            with numnet.no_grad():
                F.conv2d(xn, wn, bn, stride=s, padding=p)

        def t_fwd():
            with torch.no_grad():
                torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=p)

        def n_all():
            xn.grad = wn.grad = bn.grad = None
            F.conv2d(xn, wn, bn, stride=s, padding=p).backward(g)

        def t_all():
            xt.grad = wt.grad = bt.grad = None
            torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=p).backward(gt)

        f = best_rate({"numnet": n_fwd, "torch": t_fwd}, 1, args.rounds, args.min_time)
        a = best_rate({"numnet": n_all, "torch": t_all}, 1, args.rounds, args.min_time)
        label = f"conv ({n}, {cin}→{cout}, {h}×{h}, k{k}, pad {p}" + (f", stride {s})" if s > 1 else ")")
        lines.append(f"| {label} | {1e3 / f['numnet']:.2f} | {1e3 / f['torch']:.2f} | "
                     f"{f['torch'] / f['numnet']:.2f}× slower | {1e3 / a['numnet']:.2f} | {1e3 / a['torch']:.2f} | "
                     f"{a['torch'] / a['numnet']:.2f}× slower |")
        print(lines[-1], flush=True)
        ho = out_shape[2]
        macs = n * cout * ho * ho * cin * k * k
        gflops.append((label, 2 * macs * f["numnet"] / 1e9, 2 * macs / forward_gemm_seconds(x, w, b, s, p) / 1e9))
    for kind in ("max", "avg"):
        x = rng.standard_normal((64, 16, 28, 28), dtype=np.float32)
        xn, xt = numnet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        fn_n = F.max_pool2d if kind == "max" else F.avg_pool2d
        fn_t = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
        g = rng.standard_normal((64, 16, 14, 14), dtype=np.float32)
        gt = torch.from_numpy(g)

        def n_f():
            with numnet.no_grad():
                fn_n(xn, 2)

        def t_f():
            with torch.no_grad():
                fn_t(xt, 2)

        def n_a():
            xn.grad = None
            fn_n(xn, 2).backward(g)

        def t_a():
            xt.grad = None
            fn_t(xt, 2).backward(gt)

        f = best_rate({"numnet": n_f, "torch": t_f}, 1, args.rounds, args.min_time)
        a = best_rate({"numnet": n_a, "torch": t_a}, 1, args.rounds, args.min_time)
        lines.append(f"| {kind} pool 2×2 (64, 16, 28×28) | {1e3 / f['numnet']:.2f} | {1e3 / f['torch']:.2f} | "
                     f"{f['torch'] / f['numnet']:.2f}× slower | {1e3 / a['numnet']:.2f} | {1e3 / a['torch']:.2f} | "
                     f"{a['torch'] / a['numnet']:.2f}× slower |")
        print(lines[-1], flush=True)
    lines.append("")
    lines.append("A ratio below 1× means numnet is faster.")
    lines.append("")
    return lines, gflops


def forward_gemm_seconds(x, w, b, stride: int, pad: int) -> float:
    """Best time of the forward GEMM alone that numnet's conv runs for these arguments, on its own columns."""
    from numnet.ops import conv as C

    geom = C.conv_geometry(x.shape, w.shape, (stride, stride), (pad,) * 4)
    wmat, cols = C.gemm_operands(x, w, b, geom)  # as the conv builds them (the bias folded)
    best = float("inf")
    for _ in range(20):
        t0 = time.perf_counter()
        C.gemm(wmat, cols)
        best = min(best, time.perf_counter() - t0)
    return best


def gemm_section(gflops) -> list[str]:
    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    peak = 0.0
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(10):
            a @ a
        peak = max(peak, 10 * 2 * 1024 ** 3 / (time.perf_counter() - t0) / 1e9)
    lines = ["## Conv GEMMs and conv forward vs NumPy's GEMM peak", "",
             f"NumPy float32 GEMM (1024²): **{peak:.0f} GFLOP/s**. The forward GEMM alone is timed on the conv's own "
             "columns (its shape is the layer's: O × K times K × Ho·Wo·N); the whole forward adds im2col and the "
             "rest.", "",
             "| layer | forward GEMM GFLOP/s | fraction of peak | whole conv forward GFLOP/s | fraction of peak |",
             "|---|---|---|---|---|"]
    for label, gf, gemm in gflops:
        lines.append(f"| {label} | {gemm:.1f} | {gemm / peak:.1%} | {gf:.1f} | {gf / peak:.1%} |")
    return lines + [""]


# Everything in the report after this line (hand-recorded accuracy runs) survives a new benchmark run.
KEEP_MARKER = "<!-- kept by numnet bench: hand-recorded sections below -->"


def lesson_loop(image: np.ndarray, kernels: np.ndarray, padding: int) -> np.ndarray:
    """The lesson's ``convolution2D``, as written there: pad with zeros, then two Python loops over output pixels
    computing ``np.sum(window * kernel)`` — once per kernel."""
    image = np.pad(image, padding)
    kh, kw = kernels.shape[1:]
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    maps = []
    for kernel in kernels:
        out = np.zeros((oh, ow))
        for i in range(oh):
            for j in range(ow):
                out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
        maps.append(out)
    return np.stack(maps)


LESSON_BATCHES = (64, 256)


def lesson_section(args) -> tuple[list[str], float]:
    """LeNet's first layer, per image: 6 kernels 5×5 on a 28×28 image with padding 2, the lesson's loop vs numnet
    ``F.conv2d`` on a batch (weight (6, 1, 5, 5), padding=2, no bias). The headline is the smallest batch's figure."""
    rng = np.random.default_rng(0)
    imgs = rng.random((max(LESSON_BATCHES), 1, 28, 28), dtype=np.float32)
    kern = rng.standard_normal((6, 1, 5, 5), dtype=np.float32)
    loop_images = 5 if args.quick else 20
    loop = float("inf")
    for _ in range(args.rounds):  # best of rounds, like every other figure
        t0 = time.perf_counter()
        for i in range(loop_images):
            ref = lesson_loop(imgs[i, 0], kern[:, 0], 2)
        loop = min(loop, (time.perf_counter() - t0) / loop_images)
    with numnet.no_grad():
        ours = F.conv2d(numnet.tensor(imgs[loop_images - 1:loop_images]), numnet.tensor(kern), padding=2)
    err = float(np.abs(ours.numpy()[0] - ref).max())
    lines = ["## The lesson's loop convolution vs numnet (LeNet's first layer: 6 kernels 5×5, 28×28, padding 2)", "",
             f"- lesson `convolution2D` loop (pad, two loops over output pixels, `np.sum(window * kernel)`, once per "
             f"kernel): {loop * 1e3:.2f} ms per image",
             f"- same result as numnet to {err:.1e} (max abs difference)"]
    speedups = []
    for n in LESSON_BATCHES:
        xn, wn = numnet.tensor(imgs[:n]), numnet.tensor(kern)

        def conv():
            with numnet.no_grad():
                F.conv2d(xn, wn, padding=2)

        per_image = 1 / best_rate({"numnet": conv}, n, args.rounds, args.min_time)["numnet"]
        speedups.append(loop / per_image)
        lines.append(f"- numnet `F.conv2d` on a batch of {n}: {per_image * 1e6:.2f} µs per image: "
                     f"speed-up **{loop / per_image:,.0f}×** per image")
    print("\n".join(lines[2:]), flush=True)
    return lines + [""], speedups[0]


# Peak RSS from /proc (VmHWM), reset through clear_refs just before the steps: ru_maxrss would carry the parent's
# peak across fork + exec and report the benchmark process's own size.
MEMORY_SCRIPT = r"""
import gc
from numnet.bench.networks import network_pair
def status(key):
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))
step = network_pair({net!r}, {n}, True)[{name!r}]
step()  # warm-up: lazy initialisation and compiled kernels are not a step's memory
gc.collect()
with open('/proc/self/clear_refs', 'w') as f:
    f.write('5')
before = status('VmRSS:')
for _ in range(3):
    step()
print(max(status('VmHWM:') - before, 0))
"""

# Every block above 64 KiB mapped on allocation and unmapped on free (glibc's tunables, numnet's own mallopt off), so
# the resident set follows the live arrays and its high-water mark is the step's true peak, the same for both.
MEMORY_ENV = {"MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0", "NUMNET_MALLOPT": "0"}
MEMORY_WORK = [("LeNet-5", "lenet5", 256), ("VGGSmall", "vggsmall", 64), ("ResNet-14", "resnet14", 64)]

RSS_SCRIPT = r"""
import sys
from numnet.bench.contenders import CONTENDERS
import resource
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize()
step, _, _ = CONTENDERS['numnet'](32)
out = []
for i in range(1, {steps} + 1):
    step()
    if i % {every} == 0:
        out.append(rss())
print(' '.join(str(v) for v in out))
"""


def memory_section(args) -> list[str]:
    env = dict(os.environ, **MEMORY_ENV)
    lines = ["## Memory", "", "Peak memory of a training step (SGD with momentum): the resident set's high-water mark "
             "over three steps after a warm-up step, minus the resident set before them, each contender in a fresh "
             "process. glibc maps every block above 64 KiB on allocation and unmaps it on free "
             "(`MALLOC_MMAP_THRESHOLD_=65536`, `MALLOC_TRIM_THRESHOLD_=0`, `NUMNET_MALLOPT=0`), so the resident set "
             "follows the live arrays for both.", "",
             "| training step | numnet MiB | torch MiB | numnet / torch (target ≤ 1) |", "|---|---|---|---|"]
    for label, net, n in MEMORY_WORK:
        peak = {}
        for name in ("numnet", "torch"):
            res = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT.format(name=name, net=net, n=n)],
                                 capture_output=True, text=True, env=env, check=True)
            peak[name] = int(res.stdout.split()[-1]) / 2**20
        lines.append(f"| {label}, B={n} | {peak['numnet']:.1f} | {peak['torch']:.1f} | "
                     f"**{peak['numnet'] / max(peak['torch'], 1e-9):.2f}×** |")
        print(lines[-1], flush=True)
    env = dict(os.environ)
    steps = 1000 if args.quick else 10000
    every = steps // 10
    res = subprocess.run([sys.executable, "-c", RSS_SCRIPT.format(steps=steps, every=every)],
                         capture_output=True, text=True, env=env, check=True)
    rss = [int(v) / 2**20 for v in res.stdout.split()]
    lines += ["", f"numnet RSS over {steps:,} LeNet-5 training steps (B=32), every {every:,} steps (MiB): "
              + ", ".join(f"{v:.0f}" for v in rss),
              f"(growth from the first to the last sample: {rss[-1] - rss[0]:+.1f} MiB)", ""]
    return lines


def machine_section() -> list[str]:
    blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, {i.get('num_threads')} threads)"
            for i in threadpool_info() if i.get("user_api") == "blas"]
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return [
        "## Machine", "",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; threads used: {THREADS} (NumPy BLAS via threadpoolctl, "
        f"torch.set_num_threads)",
        f"- Python {platform.python_version()}, NumPy {np.__version__}, torch {torch.__version__}, numnet "
        f"{numnet.__version__}",
        f"- NumPy BLAS: {'; '.join(blas) or 'unknown'}",
        f"- OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
        f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}, "
        f"OPENBLAS_THREAD_TIMEOUT={os.environ.get('OPENBLAS_THREAD_TIMEOUT', '(unset: 28)')}"
        f"{' (set by numnet at import)' if _runtime.blas_threads_configured else ''}",
        f"- Allocator: glibc mmap/trim thresholds raised by numnet at import: "
        f"{'yes' if _runtime.allocator_configured else 'no (NUMNET_MALLOPT=0 or not glibc)'} "
        "(applies to every contender in this process)",
        "- dtype float32 everywhere; data random, fixed seed; each figure is the best of alternating rounds",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer rounds and a 1,000-step RSS run (for a smoke test)")
    ap.add_argument("--out", default="benchmarks/RESULTS.md", help="where to write the report (default: %(default)s)")
    args = ap.parse_args(argv)
    args.rounds = 2 if args.quick else 5
    args.min_time = 0.2 if args.quick else 0.6
    t0 = time.time()
    report = ["# numnet benchmarks", "",
              f"Generated by `numnet bench{' --quick' if args.quick else ''}` on "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""]
    report += machine_section()
    lenet, ratios = lenet_section(args)
    conv, gflops = conv_section(args)
    lesson, speedup = lesson_section(args)
    nets, net_ratios = networks_section(args, best_rate)
    kern, kern_ratios = kernels_section(args, best_rate)
    summary = ["## Headline", "",
               f"- LeNet-5 training vs PyTorch: {ratios[('train', 64)][0]:.2f}× at B=64 (target ≥ 0.7×), "
               f"{ratios[('train', 256)][0]:.2f}× at B=256 (target ≥ 0.5×); inference B=1000: "
               f"{ratios[('inference', 1000)][0]:.2f}× (target ≥ 0.6×)",
               f"- vs Dezero: {ratios[('train', 64)][1]:.1f}× its training throughput at B=64 (target ≥ 3×)",
               f"- vs the lesson's loop convolution: {speedup:,.0f}× per image (target ≥ 1,000×)",
               "- Performance II (throughput ratios, targets in parentheses): " + ", ".join(
                   f"{k} {v:.2f}× (≥ {t})" for (k, v), t in zip(net_ratios.items(), ("0.9", "0.9", "0.8", "0.9", "0.9"))),
               "- time ratios (numnet time / torch time): " + ", ".join(
                   f"{k} {v:.2f}× (≤ {t})" for (k, v), t in zip(kern_ratios.items(), ("1.2", "1.2", "1.5", "1.2"))),
               ""]
    report += summary + lenet + conv + gemm_section(gflops) + nets + kern + lesson + memory_section(args)
    report.append(f"Total benchmark time: {time.time() - t0:.0f} s.")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    kept = out.read_text().split(KEEP_MARKER, 1)[1] if out.exists() and KEEP_MARKER in out.read_text() else ""
    out.write_text("\n".join(report) + "\n\n" + (KEEP_MARKER + kept if kept else ""))
    print("\n".join(summary))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
