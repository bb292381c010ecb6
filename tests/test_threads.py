"""The automatic thread count: chosen by timing chunks, and never a change of result."""

import numba
import numpy as np
import pytest

import pde_meta as pm
from pde_meta.models.invasion.compartment import Tissue
from pde_meta.numerics.threads import PROBE_FRACTION, ThreadChoice


def test_both_counts_are_tried_then_the_faster_kept_and_the_other_probed():
    choice = ThreadChoice(2, probe_every=4)
    assert choice.next(100) == (2, 100)
    choice.record(2, 1.0, 100)           # 10 ms per step on two threads (a busy machine)
    assert choice.next(100) == (1, int(100 * PROBE_FRACTION))  # a short first try
    choice.record(1, 0.036, 12)          # 3 ms on one
    picks = [choice.next(100) for _ in range(8)]
    assert picks.count((1, 100)) == 6    # the faster count ...
    assert picks.count((2, int(100 * PROBE_FRACTION))) == 2  # ... and short probes of the other
    choice.record(2, 0.01, 10)           # the machine got quiet: two threads win again
    assert choice.next(100)[0] == 2
    assert ThreadChoice(1).next(50) == (1, 50)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two threads")
def test_switching_threads_between_chunks_gives_the_same_bits():
    state = pm.initial.anderson2005(112)   # above the serial threshold: two threads
    fixed = Tissue("t", state, pm.Parameters(growth_rate=0.2), threads=1)
    auto = Tissue("t", state, pm.Parameters(growth_rate=0.2))
    auto.thread_choice = ThreadChoice(2, probe_every=2)
    counts = set()
    while auto.t < 0.3:
        auto.advance(0.3, max_steps=5)
        counts.add(auto.stepper.threads)
    fixed.advance(0.3)
    assert counts == {1, 2}
    assert np.array_equal(auto.state.data, fixed.state.data)
    assert auto.state.step == fixed.state.step
