"""The ``pde-meta`` command line: run, check, resume and inspect runs; plot; run sweeps.

One module per command (:mod:`.run`, :mod:`.check`, :mod:`.resume`, :mod:`.info`,
:mod:`.plot`, :mod:`.sweep`), each a thin layer over the library with ``add_parser`` and
``command``; :mod:`.main` builds the parser and turns errors into one line and an exit
code; :mod:`.tables` renders the tables.
"""

from .common import EXIT_CODES
from .main import main

__all__ = ["main", "EXIT_CODES"]
