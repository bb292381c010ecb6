"""Exchanges: where material moves between compartments.

An exchange connects a ``source`` compartment to a ``target`` compartment. At each
coupling time the :class:`~.coupler.Coupler` calls :meth:`Exchange.apply` with both
compartments (already advanced to that time) and the length of the coupling interval;
the exchange removes what moves from the source, adds it to the target, and returns the
amount, which the ledger records. Exchanges see the compartments only through the methods
the two kinds agree on (e.g. a tissue's vessel cells and a circulation's counts), so an
exchange is written once per pair of compartment kinds.

Exchange kinds are registered by name (:func:`register_exchange`) so that configs can
declare them (``[[exchanges]] kind = "..."``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

__all__ = ["Exchange", "EXCHANGES", "register_exchange"]

#: exchange kind -> class
EXCHANGES: dict[str, type] = {}


def register_exchange(kind: str):
    """Class decorator: make an :class:`Exchange` subclass available to configs."""
    def decorate(cls):
        if kind in EXCHANGES:
            raise ValueError(f"exchange kind {kind!r} is registered twice")
        EXCHANGES[kind] = cls
        cls.kind = kind
        return cls
    return decorate


class Exchange(ABC):
    """Moves material from ``source`` to ``target`` at coupling times."""

    kind: str = ""

    def __init__(self, name: str, source: str, target: str) -> None:
        self.name, self.source, self.target = name, source, target

    @abstractmethod
    def apply(self, source, target, t: float, interval: float) -> float:
        """Move what crosses during the ``interval`` that ends at ``t``; return the
        amount moved (in the units the two compartments count in)."""
