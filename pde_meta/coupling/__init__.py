"""Compartments coupled by exchanges: the :class:`Coupler` advances every compartment
with its own steps to the next coupling time and applies the exchanges there; the
:class:`Ledger` records every transfer, so that what leaves one compartment is what
arrives in another, exactly."""

from .coupler import Coupler, coupling_times
from .exchange import EXCHANGES, Exchange, register_exchange
from .ledger import Ledger, Transfer

__all__ = ["Coupler", "coupling_times", "Exchange", "EXCHANGES", "register_exchange",
           "Ledger", "Transfer"]
