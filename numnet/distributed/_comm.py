"""The process group numnet trains across: MPI's ``COMM_WORLD`` through mpi4py, or one process alone.

Everything distributed in numnet (``DistributedDataParallel``, ``DistributedSampler``, ``SyncBatchNorm``, metric
reduction in ``evaluate``) talks to the group through :func:`get_comm`, which returns a :class:`Comm`: contiguous
NumPy buffers in, MPI calls on them out (``Allreduce``, ``Iallreduce``, ``Bcast``, ``allgather`` of small Python
objects). A script run without ``mpirun`` is one rank of a group of one, and every call is the identity, so the same
script runs alone unchanged and needs no MPI.

mpi4py is imported only when a group of more than one process is asked for; ``pip install 'numnet[distributed]'``
installs it with an MPI (the ``mpich`` wheel, which also provides ``mpirun``).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable

import numpy as np

from numnet.errors import ArgumentError, NumnetError

# environment variables an MPI launcher sets in each process it starts (MPICH/Hydra, Open MPI, Slurm's PMI)
_LAUNCHER_VARS = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "PMIX_RANK")
_INSTALL = "pip install 'numnet[distributed]' (mpi4py and the mpich wheel, which provides mpirun)"


class DistributedError(NumnetError, RuntimeError):
    """The process group cannot be set up or used (no MPI under mpirun, ranks that disagree about the model)."""


def launched_by_mpirun() -> bool:
    """Whether this process was started by an MPI launcher with more than one process."""
    for var in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS"):
        if os.environ.get(var, "1") not in ("", "0", "1"):
            return True
    return False


class Comm:
    """One process group. ``rank`` and ``size``; collective calls on NumPy arrays (all ranks must call them in the
    same order, as with any MPI program)."""

    rank: int = 0
    size: int = 1

    def allreduce_(self, buf: np.ndarray) -> np.ndarray:
        """Sum ``buf`` over all ranks, in place; returns ``buf``."""
        return buf

    def iallreduce_(self, buf: np.ndarray) -> Any:
        """Start summing ``buf`` in place; returns a request whose ``Wait()`` finishes it."""
        return _Done()

    def bcast_(self, buf: np.ndarray, root: int = 0) -> np.ndarray:
        """Copy ``buf`` of rank ``root`` into ``buf`` of every rank, in place."""
        return buf

    def allgather(self, obj: Any) -> list:
        """Every rank's (small, picklable-free: str/int/tuple) ``obj``, in rank order."""
        return [obj]

    def barrier(self) -> None:
        pass

    def test_all(self, requests: list) -> None:
        """Let MPI make progress on outstanding requests (called while backward still runs)."""

    def wait_all(self, requests: list) -> None:
        for r in requests:
            r.Wait()

    def abort(self, code: int = 1) -> None:
        os._exit(code)


class _Done:
    def Wait(self) -> None:  # noqa: N802 - mpi4py's name
        pass


class MPIComm(Comm):
    """``COMM_WORLD`` of mpi4py."""

    def __init__(self, mpi: Any):
        self.MPI = mpi
        self.comm = mpi.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()

    def allreduce_(self, buf: np.ndarray) -> np.ndarray:
        if self.size > 1:
            self.comm.Allreduce(self.MPI.IN_PLACE, _contiguous(buf), op=self.MPI.SUM)
        return buf

    def iallreduce_(self, buf: np.ndarray) -> Any:
        if self.size == 1:
            return _Done()
        return self.comm.Iallreduce(self.MPI.IN_PLACE, _contiguous(buf), op=self.MPI.SUM)

    def bcast_(self, buf: np.ndarray, root: int = 0) -> np.ndarray:
        if self.size > 1:
            self.comm.Bcast(_contiguous(buf), root=root)
        return buf

    def allgather(self, obj: Any) -> list:
        return self.comm.allgather(obj) if self.size > 1 else [obj]

    def barrier(self) -> None:
        if self.size > 1:
            self.comm.Barrier()

    def test_all(self, requests: list) -> None:
        if requests and self.size > 1:
            self.MPI.Request.Testall(requests)

    def wait_all(self, requests: list) -> None:
        if requests and self.size > 1:
            self.MPI.Request.Waitall(requests)

    def abort(self, code: int = 1) -> None:
        self.comm.Abort(code)


def _contiguous(buf: np.ndarray) -> np.ndarray:
    if not (isinstance(buf, np.ndarray) and buf.flags.c_contiguous):
        raise ArgumentError("numnet.distributed: expected a C-contiguous NumPy buffer for a collective")
    return buf


def bcast_tensors(comm: Comm, tensors: Any) -> None:
    """Copy rank 0's values of each tensor (anything with a ``_data`` array) to every rank, in place."""
    if comm.size == 1:
        return
    for t in tensors:
        if t._data.flags.c_contiguous:
            comm.bcast_(t._data)
        else:
            t._data[...] = comm.bcast_(np.ascontiguousarray(t._data))


_COMM: Comm | None = None


def init() -> Comm:
    """Join the process group (once; later calls return the same group).

    Under ``mpirun -n N`` this is MPI's ``COMM_WORLD`` (mpi4py is imported here); run alone, a group of one. An
    exception that reaches the top of any rank then aborts the whole job with a message naming the rank, instead
    of leaving the other ranks waiting in a collective.

    Raises:
        DistributedError: started by ``mpirun`` but mpi4py is not installed (the message says what to install).
    """
    global _COMM
    if _COMM is not None:
        return _COMM
    try:
        from mpi4py import MPI
    except ImportError:
        if launched_by_mpirun():
            raise DistributedError(f"numnet.distributed: started by mpirun, but mpi4py is not installed: "
                                   f"{_INSTALL}") from None
        _COMM = Comm()
        return _COMM
    _COMM = MPIComm(MPI)
    if _COMM.size > 1:
        _install_abort_hook(_COMM)
    return _COMM


def get_comm() -> Comm:
    """The group joined by :func:`init` (joining it first if needed)."""
    return _COMM if _COMM is not None else init()


def is_initialized() -> bool:
    return _COMM is not None


def rank() -> int:
    """This process's rank: 0 run alone or before :func:`init` without a launcher."""
    if _COMM is None and not launched_by_mpirun():
        return 0
    return get_comm().rank


def world_size() -> int:
    """The number of processes: 1 run alone."""
    if _COMM is None and not launched_by_mpirun():
        return 1
    return get_comm().size


def abort_job(exc: BaseException, comm: Comm | None = None, code: int = 1) -> None:
    """Print ``exc`` with this rank's number and abort every rank of the job."""
    comm = comm or get_comm()
    print(f"numnet.distributed: rank {comm.rank} of {comm.size} failed: {type(exc).__name__}: {exc}; aborting "
          f"the job", file=sys.stderr, flush=True)
    # mpirun forwards each rank's stderr through its proxy; an abort right after the write sometimes lost the last
    # lines (seen under a loaded machine), so give it a moment to pass them on
    time.sleep(0.2)
    comm.abort(code)


def _install_abort_hook(comm: Comm) -> None:
    previous: Callable = sys.excepthook

    def hook(kind: type, exc: BaseException, tb: Any) -> None:
        previous(kind, exc, tb)
        abort_job(exc, comm)

    sys.excepthook = hook
