r"""The circulation: circulating tumour cells in blood and lymph, from the vessels of a
tissue to the organs where they arrest and extravasate.

Model
-----
Cells travel as units: single cells and clusters of ``s`` cells, some coated by
platelets. They cross vessel segments (veins, arteries, portal vein, afferent and
efferent lymph) with a transit time of a chosen law, and capillary beds (the organs) in
no time, where they arrest on first pass with a probability that grows with their size.
In flight a unit dies at the hazard ``(h_s + h_a + h_i) / (P(s) Q(c))`` (shear,
anoikis, immune killing; clusters and coated cells protected) and clusters lose cells;
an arrested unit extravasates with its organ's compatibility (seed and soil) or dies or
re-enters. Everything is counted: :mod:`.dynamics` has the step, :mod:`.graph` the
anatomy, :mod:`.organs` the beds, :mod:`.parameters` the rates (in hours), and
:mod:`.compartment` the compartment and its exact ledger.

Sources: Franssen et al. 2019 / MetaSpread (survival per unit, disaggregation, transit
``T_V``, organ weights), the anatomic and seed-and-soil models of organ choice (Weiss;
Paget 1889), Luzzi et al. 1998 (arrest and extravasation in the liver).
"""

from .compartment import EVENT_COLUMNS, KINDS, ROUTES_IN, VESSELS, Circulation
from .dynamics import CAUSES
from .graph import ROUTES, Graph
from .organs import DEFAULT_ORGANS, ORGAN_OPTIONS, SITES, Organ, read_organs
from .parameters import CIRCULATION_SPECS, CirculationParameters

__all__ = ["Circulation", "CirculationParameters", "CIRCULATION_SPECS", "Organ",
           "DEFAULT_ORGANS", "ORGAN_OPTIONS", "SITES", "ROUTES", "Graph", "CAUSES",
           "EVENT_COLUMNS", "KINDS", "ROUTES_IN", "VESSELS", "read_organs"]
