"""Data-parallel scaling of numnet on this machine: samples/s of LeNet-5 and VGGSmall training at 1, 2 and 4 MPI
ranks, the time spent in allreduce per step, and what overlapping the allreduces with backward gains.

    python benchmarks/distributed.py            # runs mpirun itself; prints a Markdown section for RESULTS.md

Each configuration is its own ``mpirun -n R`` job (the mpich wheel's launcher), every rank with
``OMP_NUM_THREADS = max(1, cores // R)`` BLAS threads, so ranks do not fight over cores. A rank trains its
DistributedDataParallel replica on random float32 batches of 64 (the per-rank batch: the global batch grows with R,
as in weak scaling); after warm-up steps, ``STEPS`` steps are timed. The allreduce cost is measured apart: the same
gradient buffers allreduced alone, in a loop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STEPS, WARMUP, BATCH = 12, 3, 64


def worker(model_name: str, overlap: bool, bucket_mb: float) -> None:
    import numpy as np

    import numnet
    import numnet.distributed as dist
    import numnet.nn.functional as F

    comm = dist.init()
    numnet.manual_seed(0)
    model = numnet.models.get_model(model_name)
    ddp = dist.DistributedDataParallel(model, overlap=overlap, bucket_cap_mb=bucket_mb)
    opt = numnet.optim.SGD(ddp.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(comm.rank)
    x = numnet.tensor(rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32))
    y = numnet.tensor(rng.integers(0, 10, BATCH))
    waits = []
    wait_all = comm.wait_all

    def timed_wait(requests):
        t = time.perf_counter()
        wait_all(requests)
        waits.append(time.perf_counter() - t)

    comm.wait_all = timed_wait
    for step in range(WARMUP + STEPS):
        if step == WARMUP:
            comm.barrier()
            waits.clear()
            t0 = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(ddp(x), y).backward()
        opt.step()
    comm.barrier()
    elapsed = time.perf_counter() - t0
    # the allreduce alone: the same buckets, back to back
    comm.wait_all = wait_all
    bufs = [b.buffer for b in ddp._buckets]
    comm.barrier()
    t = time.perf_counter()
    for _ in range(20):
        comm.wait_all([comm.iallreduce_(b) for b in bufs])
    allreduce = (time.perf_counter() - t) / 20
    nbytes = sum(b.nbytes for b in bufs)
    if comm.rank == 0:
        print(json.dumps({"model": model_name, "ranks": comm.size, "overlap": overlap, "bucket_mb": bucket_mb,
                          "step_s": elapsed / STEPS,
                          "samples_s": comm.size * BATCH * STEPS / elapsed, "wait_s": float(np.mean(waits)),
                          "allreduce_s": allreduce, "grad_mib": nbytes / 2**20, "buckets": len(bufs),
                          "threads": os.environ.get("OMP_NUM_THREADS")}), flush=True)


def run(model_name: str, ranks: int, overlap: bool, bucket_mb: float) -> dict:
    threads = str(max(1, (os.cpu_count() or 1) // ranks))
    env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads,
               PYTHONPATH=str(ROOT))
    mpirun = Path(sys.executable).parent / "mpirun"
    out = subprocess.run([str(mpirun), "-n", str(ranks), sys.executable, __file__, "--worker", model_name,
                          "1" if overlap else "0", str(bucket_mb)], capture_output=True, text=True, env=env, check=True, timeout=1800)
    return json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])


def main() -> None:
    sys.path.insert(0, str(HERE))
    from transforms import _blas, _cpu

    rows = []
    for model_name in ("lenet5", "vggsmall"):
        for ranks in (1, 2, 4):
            for overlap, mb in (((True, 4.0), (False, 4.0), (True, 0.25)) if ranks > 1 else ((True, 4.0),)):
                rows.append(run(model_name, ranks, overlap, mb))
                print(rows[-1], file=sys.stderr, flush=True)
    print(f"## Data-parallel training (benchmarks/distributed.py, {time.strftime('%Y-%m-%d')})\n")
    print(f"- CPU: {_cpu()}, {os.cpu_count()} logical cores; NumPy BLAS: {_blas()}; MPICH (mpich wheel) via "
          f"mpi4py; per-rank batch {BATCH}, float32, {STEPS} timed steps after {WARMUP}")
    print("- threads per rank: max(1, cores // ranks); 4 ranks on 2 cores are oversubscribed\n")
    print("| model | ranks | overlap, bucket cap | step (ms) | samples/s | efficiency | wait in allreduce per step (ms) | "
          "allreduce alone (ms) | gradients (MiB, buckets) |")
    print("|---|---|---|---|---|---|---|---|---|")
    base = {r["model"]: r["samples_s"] for r in rows if r["ranks"] == 1}
    for r in rows:
        eff = r["samples_s"] / (r["ranks"] * base[r["model"]])
        print(f"| {r['model']} | {r['ranks']} | {'yes' if r['overlap'] else 'no'}, {r['bucket_mb']:g} MiB | "
              f"{r['step_s'] * 1e3:.1f} | "
              f"{r['samples_s']:.0f} | {eff:.2f} | {r['wait_s'] * 1e3:.2f} | {r['allreduce_s'] * 1e3:.2f} | "
              f"{r['grad_mib']:.2f}, {r['buckets']} |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3] == "1", float(sys.argv[4]))
    else:
        main()
