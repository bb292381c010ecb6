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
  dormancy.

Times are days from the start of the run.
"""

from .pk import PK, PK_MODELS, Dose

__all__ = ["PK", "PK_MODELS", "Dose", "EFFECTS"]

#: the effects a treatment can have: target kind -> what it means
EFFECTS = {"angiogenesis": "Hahnfeldt's -e K g(t) on a growth-law primary's vascular "
                           "capacity (the hahnfeldt law)"}
