"""OpenMP threads that sleep while they wait: the cure for thread collapse on a busy machine.

torch runs its CPU kernels in OpenMP parallel regions (GNU OpenMP, ``libgomp``, in the Linux
wheels). At the end of each region a thread that has finished spins for a while before it sleeps,
waiting for the others. When one of two threads has no core of its own, because another process
holds it, the finished thread spins on the only free core while the one it waits for queues for
its time slice behind the other process; a training step, thousands of regions, gets many times
slower. ``OMP_WAIT_POLICY=PASSIVE`` makes a waiting thread sleep at once, so the free core goes
to the thread that has work (the OpenMP specification, section "OMP_WAIT_POLICY").

``libgomp`` reads the variable once, when torch loads it: it must be in the environment before the
first ``import torch``. ``import vidgen_edu`` sets it, unless the user chose a policy already;
processes started afterwards (the course runner's kernels) inherit it, and the Makefile and
``binder/start`` export it for JupyterLab and the tests. A process that imported torch first
keeps the default. ``benchmarks/threads.py`` measures the difference; MAINTAINING.md quotes it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, MutableMapping

WAIT_POLICY_VAR = "OMP_WAIT_POLICY"
WAIT_POLICY = "PASSIVE"  # waiting threads sleep; ACTIVE: they spin (fastest on idle cores)


def set_passive_wait(environ: MutableMapping[str, str] | None = None) -> None:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` in ``environ`` (default ``os.environ``) unless it is set.

    >>> env = {}
    >>> set_passive_wait(env); env
    {'OMP_WAIT_POLICY': 'PASSIVE'}
    >>> env = {"OMP_WAIT_POLICY": "ACTIVE"}  # the user's choice stays
    >>> set_passive_wait(env); env
    {'OMP_WAIT_POLICY': 'ACTIVE'}
    """
    (os.environ if environ is None else environ).setdefault(WAIT_POLICY_VAR, WAIT_POLICY)


def wait_policy_in_time() -> bool:
    """Whether this process's OpenMP runtime can still see the wait policy: torch not loaded yet."""
    return "torch" not in sys.modules


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run torch on ``n`` threads inside the block (None: leave the setting), then restore it."""
    import torch

    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def one_thread():
    """``torch_threads(1)``: for tiny networks (toy GANs and flows on 1-D and 2-D mixtures).

    Layers 64 wide gain nothing from intra-op parallelism, and on a shared 2-core machine the
    threads' spin-waiting made 200 toy-GAN steps take 63 s on 2 threads against 1.1 s on one
    (measured).
    """
    return torch_threads(1)
