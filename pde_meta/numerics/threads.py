"""Choosing the number of threads by measuring: fast on a quiet machine, not slowed down
on a busy one.

A parallel step waits at every parallel region for its slowest thread. On a machine whose
cores are busy with other work (a second run, a sweep, a test suite) one thread of the
step is descheduled now and then, and every region waits for it: with one competing
process on two cores, two threads step several times slower than one. The results do not
depend on the thread count (every kernel is bitwise identical for any count), so the
count can change between two chunks of steps at no cost but speed. :class:`ThreadChoice`
times each chunk, keeps the count whose steps were fastest, and tries the other count
again every ``probe_every`` chunks, so it follows the load as it changes. A probe runs an
eighth of a chunk's steps (:data:`PROBE_FRACTION`): on a busy machine the slow count costs
ten times more per step, and a whole chunk of it would cost more than the choice saves.
"""

from __future__ import annotations

__all__ = ["ThreadChoice", "PROBE_FRACTION", "MARGIN"]

#: the share of a chunk's steps that a probe of the other thread count takes
PROBE_FRACTION = 1 / 8
#: the other count must step faster by more than this fraction to be taken
MARGIN = 0.1


class ThreadChoice:
    """The thread count for each chunk of steps: all ``most`` threads or one.

    Call :meth:`next` before a chunk and :meth:`record` after it. Each count is tried
    once, then the faster one (in seconds per step, its latest chunk) is used, and the
    other is timed again every ``probe_every`` chunks.
    """

    def __init__(self, most: int, probe_every: int = 12) -> None:
        self.options = (most, 1) if most > 1 else (1,)
        self.probe_every = max(2, int(probe_every))
        self.per_step: dict[int, float] = {}
        self.chunks = 0
        self.current: int | None = None

    def best(self) -> int:
        """The count in use, unless the other's latest chunk stepped faster by more than
        :data:`MARGIN` (the largest count until both ran): a probe that happens to meet a
        quiet moment does not flip the choice."""
        timed = [o for o in self.options if o in self.per_step]
        if len(timed) < len(self.options):
            return self.options[0]
        fastest = min(self.options, key=self.per_step.__getitem__)
        if self.current is None or (fastest != self.current and self.per_step[fastest]
                                    < (1 - MARGIN) * self.per_step[self.current]):
            self.current = fastest
        return self.current

    def next(self, max_steps: int | None = None) -> tuple[int, int | None]:
        """The thread count for the next chunk of at most ``max_steps`` steps, and the
        steps it should take (fewer when it probes the count that is not the best)."""
        probe = None if max_steps is None else max(2, int(max_steps * PROBE_FRACTION))
        untried = [o for o in self.options if o not in self.per_step]
        if untried:  # the first count runs whole chunks, the others are probed
            return untried[0], max_steps if untried[0] == self.options[0] else probe
        self.chunks += 1
        best = self.best()
        if len(self.options) > 1 and self.chunks % self.probe_every == 0:
            return next(o for o in self.options if o != best), probe
        return best, max_steps

    def record(self, threads: int, seconds: float, steps: int) -> None:
        """A chunk of ``steps`` steps on ``threads`` threads took ``seconds``."""
        if steps > 0 and seconds > 0:
            self.per_step[threads] = seconds / steps
