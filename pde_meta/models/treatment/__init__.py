r"""Treatments: a drug's schedule, its plasma level (:mod:`.pk`, exact), and what it does.

A treatment is a drug given by a schedule (boluses, a loading dose and a regular dose,
infusions, or a constant level), whose plasma level :math:`g(t)` is known in closed form
at every time (:class:`~.pk.PK`), and its effects on named targets of the run's
compartments. Because the level is a function of time alone, a compartment evaluates it
where it needs it (inside each Runge-Kutta stage of a growth law), and a restart rebuilds
it from the config. Effects so far:

* ``<primary>.angiogenesis`` (a growth-law primary with the ``hahnfeldt`` law): the
  anti-angiogenic term :math:`-e\, K\, g(t)` of Hahnfeldt et al. (1999), with the drug's
  potency ``e``; a constant level with :math:`e g \ge b` holds the tumour in vascular
  dormancy;
* Hill effects :math:`E(g) = E_{max} g^h / (EC_{50}^h + g^h)`, as a fraction in [0, 1]:
  ``<circulation>.extravasation`` (every organ's extravasation probability times
  :math:`1 - E`), ``<circulation>.survival`` (the death hazards in flight times
  :math:`1 + k E`, ``k`` = ``potency``, or 1), ``<circulation>.priming`` (arrest and
  extravasation :math:`p \to 1 - (1 - p)^{1 + k E}`, as a niche: the vessel priming
  seen after cyclophosphamide, which raised the lung colonisation of cells injected
  days later), ``<organs>.reactivation`` (the reactivation rate of dormant cells times
  :math:`1 - E`), ``<organs>.killing`` (the death rate of every colony plus :math:`k E`
  per day: a cytotoxic drug kills dividing cells, an immunotherapy raises
  immune killing; dormant cells are spared), ``<organs>.dormant_death`` (the death rate
  of dormant cells plus :math:`k E` per day: immune clearance of dormant cells),
  ``<organs>.dormancy`` (the share of the surviving arrivals that go dormant times
  :math:`1 + k E`, at most all of them: immune control that holds arriving cells in
  dormancy rather than letting them divide), ``<circulation>.immune`` (only the immune
  hazard in flight times :math:`1 + k E`; ``survival`` multiplies all three). A
  metastasis suppressor acts on these alone and leaves the primary untouched;
* on a tissue grid (the invasion model) the drug has a level of its own in each cell
  (:mod:`pde_meta.models.invasion.drug`: supplied by the perfused vessels, diffusing,
  decaying, taken up by the cells), and its Hill effect of that local level removes
  tumour cells (``killing``), slows their proliferation (``growth``), inactivates MMP
  (``mmp``), neutralises TAF (``taf``), kills sprout tips (``sprouts``) or lowers the
  vessels' leakiness (``normalisation``); ``<tissue>.intravasation`` multiplies every
  intravasation rate by :math:`1 - E(g)` of the plasma level (the drug meets the cells at
  the vessels), and ``motility``, ``emt`` and ``mmp_production`` those rates of the whole
  grid (rates inside its fused step, set on the drugs' lattice).

A Hill effect acts through the level (``through = "level"``) or through the damage it
accumulates (``through = "damage"``: :math:`E(D)`, :math:`D' = g - k_r D` with the
``repair`` rate :math:`k_r`, exact: :meth:`.pk.PK.damage_at`). A schedule can stop on a
day (``stop``) or at a cumulative amount (``max_total``, :func:`.pk.limited`). A drug
``class`` (:mod:`.classes`) supplies default effects on every compartment it fits.

Times are days from the start of the run.
"""

import math

from .pk import PK, PK_MODELS, Dose

__all__ = ["PK", "PK_MODELS", "Dose", "EFFECTS", "HILL_EFFECTS", "TISSUE_RATE_EFFECTS",
           "sensitivity_left",
           "hill"]

#: the effects a treatment can have: target kind -> what it means
EFFECTS = {"angiogenesis": "Hahnfeldt's -e K g(t) on a growth-law primary's vascular "
                           "capacity (the hahnfeldt law)",
           "extravasation": "a circulation's extravasation in every organ times 1 - E(g)",
           "survival": "a circulation's death hazards in flight times 1 + potency E(g)",
           "priming": "a circulation's arrest and extravasation raised as by a niche of "
                      "gain potency E(g) (vessels primed by a cytotoxic dose)",
           "reactivation": "the reactivation rate of an organs compartment's dormant cells "
                           "times 1 - E(g)",
           "killing": "potency E(g) per day added to the death rate of an organs "
                      "compartment's colonies, or of a growth-law primary's cells "
                      "(scalar laws; cytotoxic, immunotherapy), or of a tissue's tumour "
                      "cells at the rate potency E(d) of the local level d",
           "dormant_death": "potency E(g) per day added to the death rate of an organs "
                            "compartment's dormant cells (immune clearance)",
           "dormancy": "the share of an organs compartment's surviving arrivals that go "
                       "dormant times 1 + potency E(g), at most 1 (immune dormancy "
                       "control)",
           "immune": "a circulation's immune hazard in flight times 1 + potency E(g) "
                     "(the shear and anoikis hazards unchanged)",
           "intravasation": "a tissue's intravasation rates times 1 - E(g) of the plasma "
                            "level (at its vessels)",
           "motility": "a tissue's tumour motility and haptotaxis times 1 - E(g) of the "
                       "plasma level",
           "emt": "a tissue's EMT rates times 1 - E(g) of the plasma level",
           "mmp_production": "a tissue's MMP secretion times 1 - E(g) of the plasma level",
           "growth": "a tissue's tumour proliferation times 1 - potency E(d) of the local "
                     "level d, or a growth-law primary's growth rate times 1 - potency "
                     "E(g) (scalar laws; cytostatic)",
           "mmp": "a tissue's active MMP removed at the rate potency E(d) (an MMP "
                  "inhibitor)",
           "taf": "a tissue's angiogenic factor removed at the rate potency E(d) (anti-VEGF)",
           "sprouts": "a tissue's sprout tips removed at the rate potency E(d) "
                      "(anti-angiogenic)",
           "normalisation": "a tissue's vessel leakiness lowered at the rate potency E(d) "
                            "(vessel normalisation)"}
#: the effects on a tissue grid that act through the plasma level, not the grid's drug
TISSUE_RATE_EFFECTS = ("intravasation", "motility", "emt", "mmp_production")
#: the effects of the Hill form, and the model of the compartment each acts on
HILL_EFFECTS = {"extravasation": "circulation", "survival": "circulation",
                "priming": "circulation", "immune": "circulation",
                "reactivation": "organs", "killing": ("organs", "primary", "invasion"),
                "dormant_death": "organs", "dormancy": "organs",
                "intravasation": "invasion", "motility": "invasion", "emt": "invasion",
                "mmp_production": "invasion", "growth": ("invasion", "primary"),
                "mmp": "invasion", "taf": "invasion", "sprouts": "invasion",
                "normalisation": "invasion"}


def sensitivity_left(rate: float, first_dose: float, day: float) -> float:
    """A drift in sensitivity (resistance): ``exp(-rate (day - first dose))``, 1 before
    the first dose (which a schedule started by a detection learns late)."""
    return math.exp(-rate * max(day - first_dose, 0.0))


def hill(g: float, emax: float, ec50: float, power: float) -> float:
    """``E(g) = emax g^h / (ec50^h + g^h)``."""
    if g <= 0.0:
        return 0.0
    x = (g / ec50) ** power
    return emax * x / (1.0 + x)
