"""The ledger: one row per transfer of an exchange, kept exactly.

Counts are integers where cells are counted, so "what left = what arrived" is checked
with ``==``; continuous amounts are summed in the order they happened (a test compares
the totals with the compartments' own balances).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

__all__ = ["Ledger", "Transfer"]


class Transfer(NamedTuple):
    """``amount`` moved by ``exchange`` from ``source`` to ``target`` at time ``t``."""

    t: float
    exchange: str
    source: str
    target: str
    amount: float


@dataclass
class Ledger:
    """Every transfer of a run, in order."""

    rows: list[Transfer] = field(default_factory=list)

    def record(self, transfer: Transfer) -> None:
        self.rows.append(transfer)

    def __len__(self) -> int:
        return len(self.rows)

    def total(self, *, source: str | None = None, target: str | None = None,
              exchange: str | None = None) -> float:
        """The sum of the amounts that match every given name."""
        return float(sum(r.amount for r in self.rows
                         if (source is None or r.source == source)
                         and (target is None or r.target == target)
                         and (exchange is None or r.exchange == exchange)))

    def balance(self, compartment: str) -> float:
        """What ``compartment`` received minus what it gave."""
        return self.total(target=compartment) - self.total(source=compartment)

    def as_arrays(self) -> dict[str, np.ndarray]:
        """Columns for a table in a file (names as fixed-width byte strings)."""
        return {"t": np.array([r.t for r in self.rows], dtype=float),
                "exchange": np.array([r.exchange for r in self.rows], dtype="S64"),
                "source": np.array([r.source for r in self.rows], dtype="S64"),
                "target": np.array([r.target for r in self.rows], dtype="S64"),
                "amount": np.array([r.amount for r in self.rows], dtype=float)}
