"""Where chunks run: in this process, in local worker processes, or on a Dask cluster -- one interface.

Every executor plays a task with the same function (`runner.play_task`: a batch chunk, or the seeds
`check` measures), so a run id gives the same
rows whichever executor and however many workers. A chunk whose worker dies comes back as ``Lost`` and
the driver sends it again; the executor itself carries on (the process pool is rebuilt, Dask reschedules).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sim.batch.runner import Task, play_task, watch_driver
from sim.batch.store import BatchError

#: How often a Dask batch checks that a worker is left (the user hears within this many seconds).
WORKER_CHECK_SECONDS = 2.0


class WorkersGoneError(BatchError):
    """No Dask worker was left for longer than --dask-timeout: the batch stopped (finished parts are kept)."""


@dataclass(frozen=True, slots=True)
class Lost:
    """A chunk that produced no result because the process running it died."""

    reason: str


Done = tuple[Task, Any]  # the task and what its play() returned, or Lost


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Executor(ABC):
    """Runs chunk tasks and hands back each as it finishes (in any order)."""

    name: str = "executor"
    workers: int = 1

    @abstractmethod
    def submit(self, task: Task) -> None:
        """Queue a task (returns at once)."""

    @abstractmethod
    def wait(self) -> list[Done]:
        """Block until at least one queued task is done; return every task done so far."""

    @property
    @abstractmethod
    def in_flight(self) -> int:
        """Tasks submitted and not yet returned by wait()."""

    def close(self) -> None:  # noqa: B027 - most executors hold nothing to release
        """Release workers (idempotent)."""

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def abort(self) -> None:
        """Stop at once, dropping work in progress (Ctrl-C, a full disk); finished chunks are already stored."""
        self.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


class SerialExecutor(Executor):
    """Plays chunks one after another in this process (no start-up cost; easiest to debug)."""

    name = "serial"

    def __init__(self) -> None:
        self.workers = 1
        self._queue: list[Task] = []

    def submit(self, task: Task) -> None:
        self._queue.append(task)

    def wait(self) -> list[Done]:
        task = self._queue.pop(0)
        return [(task, task.play())]

    @property
    def in_flight(self) -> int:
        return len(self._queue)


def _start_fork_server_deaf_to_ctrl_c() -> None:
    """Start multiprocessing's fork server (if it is not running) with Ctrl-C ignored.

    Ctrl-C reaches every process of the terminal's group. The fork server imports the model (about a second)
    before it ignores SIGINT itself, and a Ctrl-C in that second printed its import traceback beside the
    driver's one-line message. An ignored SIGINT survives exec, so the server starts ignoring it, and so does
    every worker it forks (which restore the server's handlers). The driver ignores Ctrl-C only while
    it starts the process (a few milliseconds); off the main thread, where signal handlers cannot be set,
    the server starts as multiprocessing starts it.
    """
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Hold a Ctrl-C that arrives inside the block and act on it (the handler in force) when the block ends.
    Off the main thread, where signal handlers cannot be set, the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):
            previous(signal.SIGINT, None)  # Python's default handler raises KeyboardInterrupt


class ProcessExecutor(Executor):
    """A pool of local worker processes started by a fork server that has already imported the model.

    ``fork`` is avoided because the driver has threads (progress display, Dask); ``forkserver`` starts
    workers quickly from a clean, preloaded process. Workers ignore Ctrl-C (the driver stops them) and exit
    by themselves if the driver is killed.
    """

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or available_cores()
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["sim.batch.runner"])
        self._pool: cf.ProcessPoolExecutor | None = None
        self._generation = 0  # which pool a future belongs to: a broken pool fails only its own futures
        self._futures: dict[cf.Future[Any], tuple[Task, int]] = {}
        self.restarts = 0

    def _get_pool(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            _start_fork_server_deaf_to_ctrl_c()
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self._context,
                initializer=watch_driver,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _retire(self, generation: int) -> None:
        """Drop a broken pool (once); the next submit starts a fresh one."""
        if generation == self._generation and self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self._generation += 1
            self.restarts += 1

    def submit(self, task: Task) -> None:
        # The pool may start a worker here (waiting for the fork server, about a second the first time): a
        # worker forked while the driver was interrupted would be left out of the pool's table, outlive the
        # abort and fail loudly, so Ctrl-C takes effect when the worker is in the table.
        with _ctrl_c_deferred():
            try:
                future = self._get_pool().submit(play_task, task)
            except cf.process.BrokenProcessPool:  # it broke since the last wait(): start again
                self._retire(self._generation)
                future = self._get_pool().submit(play_task, task)
        self._futures[future] = (task, self._generation)

    def wait(self) -> list[Done]:
        done, _ = cf.wait(list(self._futures), return_when=cf.FIRST_COMPLETED)
        out: list[Done] = []
        for future in done:
            task, generation = self._futures.pop(future)
            try:
                out.append((task, future.result()))
            except cf.process.BrokenProcessPool:
                # A worker died: its pool fails every chunk it held; each comes back Lost to be sent again.
                self._retire(generation)
                out.append((task, Lost("a worker process died while this chunk was in its pool")))
        return out

    @property
    def in_flight(self) -> int:
        return len(self._futures)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def abort(self) -> None:
        """Kill the workers (their chunks are not stored, so a resume plays them again) and wait for them."""
        pool, self._pool = self._pool, None
        self._futures.clear()
        if pool is None:
            return
        # Python 3.14 has pool.terminate_workers(); before it the pool's process table is the only handle.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(Exception):
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(timeout=5)


class DaskExecutor(Executor):
    """Chunks as tasks on a Dask distributed cluster: an existing scheduler, a client, or a LocalCluster.

    Dask itself reschedules a task whose worker dies; a task that keeps killing workers comes back
    ``Lost`` (KilledWorker) and the driver resends it, then plays its runs alone to find the culprit.
    Workers must run the same Pivot version as the driver (checked when connecting).
    """

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        *,
        local_workers: int | None = None,
        client: Any = None,
        timeout: float | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        try:
            import distributed
        except ImportError:
            raise BatchError(
                "the Dask executor needs the 'distributed' package: pip install -e '.[distributed]'"
            ) from None
        self._distributed = distributed
        self._futures: dict[Any, Task] = {}
        self._attempt = 0
        self._cluster: Any = None
        self._own_client = client is None
        self.timeout = timeout  # give up after this many seconds without a worker (None: wait for one)
        self._notify = notify or _to_stderr
        self._no_workers_since: float | None = None
        if client is not None:
            self._client = client
        elif local_workers is not None:
            self._cluster = local_cluster(local_workers)
            self._client = distributed.Client(self._cluster)
        else:
            try:
                self._client = distributed.Client(address, timeout="15s")
            except (OSError, TimeoutError) as exc:
                raise BatchError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self._check_engines()
        threads = sum(w.get("nthreads", 1) for w in self._client.scheduler_info().get("workers", {}).values())
        self.workers = max(1, threads)
        self.address = str(getattr(self._client, "scheduler", None) and self._client.scheduler.address)

    def _check_engines(self) -> None:
        """Refuse workers that run another Pivot version: their rows would not match the plan's engine."""
        try:
            versions = self._client.run(_engine_version)
        except Exception as exc:  # a worker without Pivot installed cannot even answer
            self.close()
            raise BatchError(f"Dask workers cannot import Pivot ({exc}); install it on every worker machine") from None
        mine = _engine_version()
        other = {addr: v for addr, v in versions.items() if v != mine}
        if other:
            self.close()
            addr, version = next(iter(other.items()))
            raise BatchError(f"Dask worker {addr} runs {version}, this driver {mine}: install the same version")

    def submit(self, task: Task) -> None:
        self._attempt += 1
        future = self._client.submit(play_task, task, pure=False, key=f"pivot-{task.name}-{self._attempt}")
        self._futures[future] = task

    def wait(self) -> list[Done]:
        while True:
            try:
                done = self._distributed.wait(
                    list(self._futures), timeout=WORKER_CHECK_SECONDS, return_when="FIRST_COMPLETED"
                ).done
            except TimeoutError:
                self._watch_workers()
                continue
            if done:
                break
        out: list[Done] = []
        for future in done:
            task = self._futures.pop(future)
            if future.status == "finished":
                out.append((task, future.result()))
            elif future.status == "error":
                exc = future.exception()
                if type(exc).__name__ != "KilledWorker":
                    raise exc
                out.append((task, Lost(f"Dask gave up on the chunk: {exc}".splitlines()[0])))
            else:
                out.append((task, Lost(f"Dask task {future.status}")))
            future.release()
        return out

    def _watch_workers(self) -> None:
        """Say when the last worker is gone (and when workers are back); give up after ``timeout`` seconds."""
        try:
            count = len(self._client.nthreads())
        except Exception:  # the scheduler itself is unreachable: the same as no worker
            count = 0
        now = time.monotonic()
        if count > 0:
            if self._no_workers_since is not None:
                self._notify(f"dask: {count} worker(s) connected again; the batch goes on")
            self._no_workers_since = None
            return
        if self._no_workers_since is None:
            self._no_workers_since = now
            limit = (
                f"giving up after {self.timeout:g} s (--dask-timeout)"
                if self.timeout is not None
                else "waiting for one (--dask-timeout SECONDS gives up)"
            )
            self._notify(f"dask: no worker is left; {len(self._futures)} chunk(s) queued; {limit}")
        elif self.timeout is not None and now - self._no_workers_since >= self.timeout:
            raise WorkersGoneError(f"dask: no worker for {self.timeout:g} s: gave up (--dask-timeout {self.timeout:g})")

    @property
    def in_flight(self) -> int:
        return len(self._futures)

    def describe(self) -> str:
        where = "LocalCluster" if self._cluster is not None else self.address
        return f"dask at {where} ({self.workers} worker thread{'s' if self.workers != 1 else ''})"

    def close(self) -> None:
        for future in list(self._futures):
            future.cancel()
        self._futures.clear()
        if self._own_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _engine_version() -> str:
    from sim import __version__

    return f"pivot {__version__}"


def local_cluster(workers: int, *, processes: bool = True) -> Any:
    """A Dask LocalCluster on free ports with no dashboard (port 8787 may be taken by someone else's)."""
    import distributed

    return distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=processes,
        scheduler_port=0,
        dashboard_address=None,  # no dashboard...
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # ...and its HTTP endpoints on a free port
        silence_logs=logging.ERROR,
    )


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def make_executor(
    workers: int | None = None, dask: Any = None, dask_local: int | None = None, *, timeout: float | None = None
) -> Executor:
    """serial (workers == 1), local processes (default: every core), or Dask (address, Client, local);
    ``timeout``: seconds a Dask batch waits with no worker before it gives up (None: it waits)."""
    if dask is not None and dask_local is not None:
        raise BatchError("give either a Dask scheduler address or a local Dask cluster size, not both")
    if dask_local is not None:
        return DaskExecutor(local_workers=dask_local, timeout=timeout)
    if dask is not None:
        if isinstance(dask, str):
            return DaskExecutor(dask, timeout=timeout)
        return DaskExecutor(client=dask, timeout=timeout)
    count = workers or available_cores()
    return SerialExecutor() if count == 1 else ProcessExecutor(count)
