"""Parameter sweeps and replicates on dask.distributed: one sweep file in, one HDF5 run
file per member and a summary table out.

A sweep file (TOML; the full reference is ``docs/sweeps.md``)::

    name = "sweep_membrane"            # label; default: the file name without .toml
    base = "membrane_breach.toml"      # the base config, relative to this file (or [base])
    output = "../runs/sweep_membrane"  # directory of member files and summary; default <name>/
    replicates = 1                     # runs per parameter point, seeds seed, seed + 1, ...

    [set]                              # overrides of every member, by key path
    "grid.shape" = [64, 64]

    [vary]                             # every combination of these values (a full grid)
    "parameters.mmp_production" = [0.5, 1.0, 2.0]
    "parameters.membrane_degradation" = { log = [0.5, 8.0], count = 5 }

    [sample]                           # Latin hypercube samples, crossed with the grid
    count = 8
    seed = 1
    "parameters.haptotaxis" = { log = [0.001, 0.1] }

The members are every combination of the ``[vary]`` values (the first key varies
slowest), times every ``[sample]`` point, times every replicate. Member ``k`` is named
``<name>-<k>`` and writes ``<output>/<k>-<hash>.h5``, the hash being a digest of its
overrides, so that a file always belongs to the same parameters.

Two levels of validation
------------------------
* The sweep file itself (its keys, the key paths with a did-you-mean for unknown ones, the
  ranges, the base config with ``[set]``) is checked as a whole: every problem is reported
  in one single-line :class:`~pde_meta.errors.ConfigError`, in the style of the config
  files, and nothing runs.
* Then every member's config is validated, all of them before anything runs. A member
  whose values are not allowed (a negative rate in a list, say) is reported, marked
  ``invalid`` in the summary with its error, and the other members run; if no member is
  valid the sweep is refused as a whole.

Running
-------
:func:`run_sweep` sends each member to a dask.distributed worker process, which runs it with
:func:`pde_meta.runner.run.simulate` on one numba thread and writes its own file. By default an
embedded ``LocalCluster`` is started (one single-threaded worker process per CPU); with a
scheduler address the members go to that cluster instead. Members whose file is complete
are skipped, members whose file is incomplete (a killed sweep) are resumed from their
checkpoint, or run again when the file is unusable. A member that fails is recorded with
its error and the others go on. ``summary.csv`` and ``sweep.h5`` in the output directory
hold one row per member; :func:`open_sweep` reads it back as a :class:`pandas.DataFrame`.

The package: :mod:`.spec` (sweep files, :class:`Sweep`, :class:`Member`), :mod:`.paths`
(key paths), :mod:`.expand` (the ``[vary]`` grid and the ``[sample]`` points),
:mod:`.schedule` (what each member needs: run, resume, skip), :mod:`.batch` (the dask
scheduling layer that `pde-meta run --jobs N` uses too), :mod:`.summary` (the summary table),
:mod:`.metastasis` (the probability of metastasis by organ and time over replicates),
:mod:`.compare` (treatment arms: paired differences over replicates).
"""

from .compare import compare_arms
from .expand import MAX_MEMBERS, SAMPLE_OPTIONS
from .metastasis import metastasis_probability, wilson
from .schedule import run_member, run_sweep
from .spec import SWEEP_OPTIONS, Member, Sweep, load_sweep, loads_sweep, sweep_from_dict
from .summary import INDEX_FILE, STATUSES, SUMMARY_FILE, SweepResult, open_sweep

__all__ = ["Sweep", "Member", "SweepResult", "load_sweep", "loads_sweep", "sweep_from_dict",
           "run_sweep", "run_member", "open_sweep", "SUMMARY_FILE", "INDEX_FILE",
           "MAX_MEMBERS", "SWEEP_OPTIONS", "SAMPLE_OPTIONS", "STATUSES",
           "metastasis_probability", "wilson", "compare_arms"]
