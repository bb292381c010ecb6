"""Counter-based random streams: one for each (seed, compartment, purpose, step).

A stream is numpy's Philox generator with a key hashed from the seed, the compartment's
name and a purpose (``SeedSequence``), and its counter started at the step number in the
highest of its four words. Each step draws from its own block of the counter, so the
numbers of step ``k`` do not depend on how many were drawn before, on the thread count,
on the sweep worker, or on a restart at any step: a run continued from a checkpoint
draws exactly what the uninterrupted run drew.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream_key", "stream"]


def stream_key(seed: int, name: str, purpose: str) -> np.ndarray:
    """The 128-bit Philox key of ``(seed, name, purpose)``."""
    words = [int(seed) & 0xFFFFFFFF, (int(seed) >> 32) & 0xFFFFFFFF,
             zlib.crc32(name.encode()), zlib.crc32(purpose.encode())]
    return np.random.SeedSequence(words).generate_state(2, np.uint64)


def stream(key: np.ndarray, counter: int) -> np.random.Generator:
    """The generator of step ``counter`` of the stream ``key`` (:func:`stream_key`)."""
    return np.random.Generator(np.random.Philox(key=key, counter=[0, 0, 0, int(counter)]))
