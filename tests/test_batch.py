"""The one scheduling layer of sweeps and ``pde-meta run --jobs N`` (pde_meta.sweep.batch)
and the one progress class of runs and batches (pde_meta.runner.progress)."""

import functools
import logging
import math

import pytest

from pde_meta.runner import progress
from pde_meta.runner.progress import Progress
from pde_meta.sweep import batch, schedule


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local:
        yield local.scheduler_address


@pytest.fixture
def records(caplog):
    """The records of the ``pde_meta`` loggers (the CLI may stop their propagation)."""
    logger = logging.getLogger("pde_meta")
    logger.addHandler(caplog.handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
        logger.propagate = propagate


def test_run_tasks_yields_every_result_with_progress(cluster, records):
    seen = []

    def describe(task, result):
        seen.append(task)
        return result != "died", f"task {task}"

    bar = Progress("log", "batch", 0, 3, unit="tasks", label=None, every=0)
    with records.at_level(logging.INFO, logger="pde_meta"):
        results = dict(batch.run_tasks(math.sqrt, [4.0, 9.0, -1.0], scheduler=cluster,
                                       progress=bar, describe=describe,
                                       on_error=lambda task, exc: "died"))
    assert results == {4.0: 2.0, 9.0: 3.0, -1.0: "died"}
    assert sorted(seen) == [-1.0, 4.0, 9.0]
    lines = [r.getMessage() for r in records.records if r.getMessage().startswith("batch:")]
    assert len(lines) == 3 and lines[-1].startswith("batch: 3/3 tasks (100%), task ")
    assert all("ETA" in line for line in lines)


def test_run_tasks_raises_a_task_error_without_on_error(cluster):
    with pytest.raises(ValueError, match="math domain error"):
        list(batch.run_tasks(math.sqrt, [-1.0], scheduler=cluster))
    assert list(batch.run_tasks(math.sqrt, [], scheduler=cluster)) == []


def test_worker_log_records_reach_this_process(cluster, records):
    say = functools.partial(logging.getLogger("pde_meta.runner").log, logging.INFO,
                            "hello from %s")
    with records.at_level(logging.INFO, logger="pde_meta"):
        list(batch.run_tasks(say, ["a", "b"], scheduler=cluster, forward_logs=True))
    got = sorted((r.name, r.levelno, r.getMessage()) for r in records.records
                 if r.getMessage().startswith("hello"))
    assert got == [("pde_meta.runner", logging.INFO, "hello from a"),
                   ("pde_meta.runner", logging.INFO, "hello from b")]
    records.clear()
    with records.at_level(logging.WARNING, logger="pde_meta"):  # --quiet: not forwarded
        list(batch.run_tasks(say, ["c"], scheduler=cluster, forward_logs=True))
    assert not [r for r in records.records if r.getMessage().startswith("hello")]


def test_sweeps_and_run_jobs_share_the_layer():
    from pde_meta.cli import run as cli_run

    assert schedule.run_tasks is batch.run_tasks and cli_run.run_tasks is batch.run_tasks
    assert schedule.CONNECT_TIMEOUT == batch.CONNECT_TIMEOUT


def test_a_scheduler_that_cannot_be_reached_is_bad_input(monkeypatch):
    from pde_meta.errors import ConfigError

    monkeypatch.setattr(batch, "CONNECT_TIMEOUT", 1)
    with pytest.raises(ConfigError, match="cannot connect to the dask scheduler"):
        list(batch.run_tasks(math.sqrt, [1.0], scheduler="tcp://127.0.0.1:1"))


# --------------------------------------------------------------------------- progress


def test_one_progress_class_counts_runs_and_simulated_time(records, monkeypatch, capsys):
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    with records.at_level(logging.INFO, logger="pde_meta"):
        runs = Progress("log", "batch", 1, 4, unit="runs", label=None, every=0)
        runs.advance(1, "0 not complete", "b.toml complete")
        t = Progress("log", "default", 0.0, 2.0)
        t.update(0.5, "dt=0.01", "dt = 0.01, step 50")
    lines = [r.getMessage() for r in records.records]
    assert lines[0].startswith("batch: 2/4 runs (50%), b.toml complete, ETA ")
    assert lines[1].startswith("default: t = 0.5 / 2 (25%), dt = 0.01, step 50, ETA ")
    quiet = Progress("none", "x", 0, 1)
    quiet.update(1, "done")
    quiet.close()
    assert capsys.readouterr().err == ""
    with pytest.raises(Exception, match="progress = 'loud' is not allowed"):
        Progress("loud", "x", 0, 1)


def test_progress_bar_over_members(capsys):
    bar = Progress("bar", "sweep", 0, 2, unit="members", label=None)
    bar.advance(1, "1 not complete")
    bar.advance(1, "1 not complete")
    bar.close()
    err = capsys.readouterr().err
    assert "sweep" in err and "2/2 members, 1 not complete" in err and "100%" in err
