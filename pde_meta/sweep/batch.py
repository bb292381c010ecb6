"""Running many tasks on dask.distributed: the one scheduling layer of sweeps
(:func:`~pde_meta.sweep.run_sweep`) and of ``pde-meta run a.toml b.toml --jobs N``.

:func:`run_tasks` sends each task (an already validated config with what to do with it;
it is pickled, never re-parsed) to a worker process of an embedded ``LocalCluster`` or of
a running scheduler, and yields ``(task, result)`` as they finish, advancing a
:class:`~pde_meta.runner.progress.Progress` over tasks. With ``forward_logs`` the
records the task logs on the ``pde_meta`` loggers in its worker are logged again in this
process, as they happen (through dask's event topics, so it works with a remote cluster
too).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import ConfigError, SimulationError
from ..runner.progress import Progress
from .summary import one_line

__all__ = ["run_tasks", "dask_client", "CONNECT_TIMEOUT"]

log = logging.getLogger(__package__)

#: seconds to wait for a remote scheduler
CONNECT_TIMEOUT = 30

#: the logger whose records workers forward
LOGGER = "pde_meta"


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None, tasks: int = 1):
    """A dask client: of the scheduler at ``scheduler``, or of an embedded LocalCluster of
    ``workers`` (default: one per CPU, at most ``tasks``) single-threaded worker
    processes, without a dashboard, whose own logging is silenced: its errors at
    shutdown (a heartbeat to a scheduler that is gone, ...) are noise to a user, and a
    task's own failure comes back as its result."""
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise ConfigError(f"cannot connect to the dask scheduler at {scheduler!r} "
                              f"({one_line(exc)}); allowed: the address of a running "
                              f"scheduler, e.g. tcp://10.0.0.1:8786; fix: start one with "
                              f"dask scheduler, or omit --scheduler for a local "
                              f"cluster") from None
        with client:
            threads = {w.get("nthreads", 1) for w in
                       client.scheduler_info().get("workers", {}).values()}
            if any(n > 1 for n in threads):
                log.warning("the workers of %s run %s threads each; tasks run one per "
                            "thread; start workers with --nthreads 1 so that each run "
                            "has a process (and a core) of its own", scheduler,
                            max(threads))
            yield client
        return
    n = max(1, min(workers or os.cpu_count() or 1, tasks))
    log.info("starting a local dask cluster: %d worker process(es), 1 thread each", n)
    try:
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.CRITICAL)
    except Exception as exc:
        raise SimulationError(f"the local dask cluster did not start ({type(exc).__name__}: "
                              f"{one_line(exc)}); fix: run from a script file (worker "
                              f"processes re-import it: keep its work under if __name__ == "
                              f"\"__main__\":), or give --scheduler") from exc
    with cluster, Client(cluster) as client:
        yield client


#: seconds between two looks for finished tasks and for a Ctrl-C
POLL_SECONDS = 0.25


def _finished(futures) -> Iterator:
    """The ``futures`` as they finish (those that finish together in submission order).

    Ctrl-C is a flag while this waits, turned into ``KeyboardInterrupt`` here, at most
    :data:`POLL_SECONDS` later: the default handler raises wherever the main thread is,
    also in a finaliser or a callback of dask's, where Python ignores it, and the runs
    would go on (a second Ctrl-C stops at once)."""
    from dask.distributed import wait

    from ..runner.controller import Interrupts

    interrupts = Interrupts()
    pending = set(futures)
    with interrupts.deferred():
        while pending:
            interrupts.check()
            try:
                done, pending = wait(pending, timeout=POLL_SECONDS,
                                     return_when="FIRST_COMPLETED")
            except TimeoutError:
                continue
            yield from (f for f in futures if f in done)


class _Forward(logging.Handler):
    """Sends the records this thread logs to the client, as events of ``topic``."""

    def __init__(self, worker, topic: str, level: int):
        super().__init__(level)
        self.worker, self.topic = worker, topic
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        try:
            self.worker.log_event(self.topic, {"name": record.name, "level": record.levelno,
                                               "message": record.getMessage()})
        except Exception:  # never let logging break a run
            self.handleError(record)


def _call(function: Callable, task: Any, topic: str | None, level: int) -> Any:
    """Run ``function(task)`` in a worker; forward its log records to ``topic``."""
    if topic is None:
        return function(task)
    from dask.distributed import get_worker

    logger = logging.getLogger(LOGGER)
    handler = _Forward(get_worker(), topic, level)
    saved = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        return function(task)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)


def _relog(event) -> None:
    """Log a record forwarded by a worker (a ``(timestamp, message)`` event) here."""
    _, msg = event
    logger = logging.getLogger(msg["name"])
    if logger.isEnabledFor(msg["level"]):
        logger.handle(logging.makeLogRecord({
            "name": msg["name"], "levelno": msg["level"],
            "levelname": logging.getLevelName(msg["level"]), "msg": msg["message"]}))


def run_tasks(function: Callable[[Any], Any], tasks: Iterable, *,
              workers: int | None = None, scheduler: str | None = None,
              progress: Progress | None = None,
              describe: Callable[[Any, Any], tuple[bool, str]] | None = None,
              on_error: Callable[[Any, BaseException], Any] | None = None,
              name: Callable[[Any], str] | None = None,
              forward_logs: bool = False) -> Iterator[tuple[Any, Any]]:
    """Run ``function(task)`` for every task in dask worker processes; yields ``(task,
    result)`` as each finishes.

    Parameters
    ----------
    function
        A module-level function (workers import it): a task's work. It should return a
        result for every task rather than raise.
    tasks
        Picklable arguments of ``function``: validated config objects and what to do with
        them, never paths to parse again.
    workers, scheduler
        Of :func:`dask_client`: an embedded ``LocalCluster`` of ``workers`` processes
        (default: one per CPU, at most one per task), or the running scheduler at
        ``scheduler``.
    progress
        Advanced by one per finished task: its postfix counts the tasks ``describe`` says
        are not complete, its log line is ``describe``'s text.
    describe
        ``(task, result) -> (complete, text)``; default: complete, no text.
    on_error
        ``(task, exception) -> result`` for a task whose worker died or whose function
        raised; default: raise it.
    name
        ``task -> str``, the start of the task's dask key (default: the function's name).
    forward_logs
        Log the records of the ``pde_meta`` loggers that a task logs in its worker (at the
        level enabled here) again in this process, as they come.

    Interrupting (Ctrl-C) or leaving the iteration early stops the cluster (an embedded
    one) or cancels the tasks not yet run (a remote one).
    """
    tasks = list(tasks)
    if not tasks:
        return
    describe = describe or (lambda task, result: (True, ""))
    with dask_client(scheduler, workers, len(tasks)) as client:
        topic, level = None, logging.getLogger(LOGGER).getEffectiveLevel()
        if forward_logs:
            topic = f"pde-meta-log-{uuid.uuid4().hex}"
            client.subscribe_topic(topic, _relog)
        prefix = getattr(function, "__name__", "task")
        futures = {}
        for task in tasks:
            key = f"{name(task) if name else prefix}-{uuid.uuid4().hex[:8]}"
            futures[client.submit(_call, function, task, topic, level, pure=False,
                                  key=key)] = task
        failed = 0
        try:
            for future in _finished(futures):
                task = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # the worker died (e.g. killed for memory)
                    if on_error is None:
                        raise
                    result = on_error(task, exc)
                if progress is not None:
                    complete, text = describe(task, result)
                    failed += not complete
                    progress.advance(1, f"{failed} not complete" if failed else "", text)
                yield task, result
        finally:
            if scheduler is not None:  # a remote cluster goes on: drop what is left
                client.cancel([f for f in futures if not f.done()])
            if topic is not None:
                client.unsubscribe_topic(topic)
