"""Parameters of the circulation: one :class:`~pde_meta.core.parameters.ParameterSpec`
each, in hours (the circulation converts the run's time unit with ``[units]``).

The default hazards add up to MetaSpread's single-cell survival: a single cell survives
its ``T_V = 2 h`` in the blood with probability ``P_s = 5e-4`` (Franssen et al. 2019), so
``shear + anoikis + immune = ln(2000) / 2 h = 3.80 /h``; the split among the three causes is
illustrative. The cluster protection makes a cluster of any size survive with MetaSpread's
``P_C = 2.5e-2``: ``ln(2000) / ln(40) = 2.06``, with exponent 0.
"""

from __future__ import annotations

import math

from ...core.parameters import ParameterSpec, parameter_class

__all__ = ["CIRCULATION_SPECS", "CirculationParameters", "TRANSIT_FORMS", "FAILED_ARREST",
           "TOTAL_HAZARD"]

TRANSIT_FORMS = ("fixed", "exponential", "gamma")
FAILED_ARREST = ("die", "reenter")

_FRANSSEN = "Franssen et al. 2019 / MetaSpread"
#: the single-cell hazard of MetaSpread: survival 5e-4 over 2 h
TOTAL_HAZARD = math.log(2000.0) / 2.0
_SPLIT = f"{_FRANSSEN}: the three hazards add up to ln(2000)/2 h; the split is illustrative"
_PHYSIOLOGY = "mean circulation time about 1 min (cardiac output 5 L/min, blood volume 5 L)"
_S = ParameterSpec

CIRCULATION_SPECS: tuple[ParameterSpec, ...] = (
    _S("dt", "dt_c", "h", 0.05, "the circulation's step: each stage of a segment takes "
       "at least one step, so a fixed transit is a whole number of steps (at least one) "
       "and a gamma transit of k stages at least k steps; a segment's hazard is that of "
       "its own mean transit whatever the step", "chosen: 3 min, the lymph's transit in "
       "20 steps",
       low=0, low_inclusive=False, high=24.0),
    _S("shear", "h_s", "1/h", 0.5 * TOTAL_HAZARD, "death hazard from shear and size "
       "damage of a single cell", _SPLIT),
    _S("anoikis", "h_a", "1/h", 0.3 * TOTAL_HAZARD, "death hazard from anoikis "
       "(detachment) of a single cell", _SPLIT),
    _S("immune", "h_i", "1/h", 0.2 * TOTAL_HAZARD, "death hazard from immune killing "
       "(NK cells, neutrophils) of a single cell", _SPLIT),
    _S("cluster_protection", "P_c", "1", math.log(2000.0) / math.log(40.0),
       "a cluster of s cells has the hazards divided by P_c s^gamma_c",
       f"{_FRANSSEN}: cluster survival 2.5e-2 vs 5e-4 over the same 2 h", low=1.0),
    _S("cluster_exponent", "gamma_c", "1", 0.0, "size exponent of the cluster protection",
       f"{_FRANSSEN}: any cluster survives alike (0)", high=3.0),
    _S("coating", "p_plt", "1", 0.0, "probability that a unit entering the blood is "
       "coated by platelets", "Labelle et al. 2011 (platelets shield CTCs); off", high=1.0),
    _S("platelet_protection", "P_plt", "1", 2.0, "a coated unit has its hazards divided "
       "by P_plt", "illustrative", low=1.0),
    _S("disaggregation", "p_d", "1", 0.5, "probability that a cell of an entering "
       "cluster leaves it (and travels alone)", f"{_FRANSSEN}: 1 - P_d with P_d = 0.5",
       high=1.0),
    _S("detach_rate", "k_d", "1/h", 0.0, "rate at which each cell of a cluster in flight "
       "detaches and travels alone", "illustrative; off"),
    _S("transit", "", "", "fixed", "distribution of the time in each vessel segment: "
       "'fixed' (the mean, as MetaSpread's T_V), 'exponential', or 'gamma' (Erlang with "
       "transit_shape stages)", _FRANSSEN, choices=TRANSIT_FORMS),
    _S("transit_shape", "k", "1", 4.0, "stages of a gamma transit (an integer)",
       "illustrative", low=1.0, high=64.0),
    _S("venous_time", "T_ven", "h", 0.5 / 60.0, "mean time in the veins and right heart",
       _PHYSIOLOGY, low=0, low_inclusive=False),
    _S("arterial_time", "T_art", "h", 0.25 / 60.0, "mean time from the lung to the "
       "organs (left heart, arteries)", _PHYSIOLOGY, low=0, low_inclusive=False),
    _S("portal_time", "T_por", "h", 0.25 / 60.0, "mean time from a gut primary to the "
       "liver (portal vein)", _PHYSIOLOGY, low=0, low_inclusive=False),
    _S("lymph_time", "T_lym", "h", 1.0, "mean time from the primary to its lymph node "
       "(afferent lymph)", "illustrative (lymph flows at um/s to mm/s)", low=0,
       low_inclusive=False),
    _S("efferent_time", "T_eff", "h", 1.0, "mean time from the lymph node to the venous "
       "blood (thoracic duct)", "illustrative", low=0, low_inclusive=False),
    _S("arrest_exponent", "gamma_a", "1", 1.0, "a cluster of s cells arrests in a bed "
       "with 1 - (1 - a)^(s^gamma_a): each cell can catch", "illustrative", high=3.0),
    _S("arrest_time", "T_arr", "h", 24.0, "mean time an arrested unit waits before it "
       "extravasates or fails (0 = at once)",
       "Chambers et al. 2002 / Luzzi 1998: extravasation within 1-3 days"),
    _S("failed_arrest", "", "", "die", "what an arrested unit that does not extravasate "
       "does: 'die' or 'reenter' the blood downstream", "illustrative",
       choices=FAILED_ARREST),
    _S("blood_volume", "V_b", "mL", 5000.0, "blood volume (CTC counts per mL)",
       "adult human, about 5 L", low=0, low_inclusive=False),
)

CirculationParameters = parameter_class(
    "CirculationParameters", CIRCULATION_SPECS,
    "The rates, probabilities and times of the circulation (times in hours).", __name__)
