r"""Built-in drug classes: the effects a ``[[treatments]]`` entry with a ``class`` and no
``[[treatments.effects]]`` has, on every compartment of the run that its kind fits.

A compartment's kind is its model (``circulation``, ``organs``, ``invasion``: a tissue),
or for a growth-law primary ``hahnfeldt primary`` (the ``hahnfeldt`` law) or ``scalar
primary`` (any other law). An entry that gives effects of its own keeps only those: the
class then only labels the drug (in the config and the run file). Effects whose name is
not (yet) an effect of :data:`~pde_meta.models.treatment.EFFECTS`, or that cannot act on
that kind of compartment, are skipped.

==============  =================  =============  =======  ====  ====  ======
class           kind               effect         potency  emax  ec50  source
==============  =================  =============  =======  ====  ====  ======
suppressor      circulation        extravasation  1        0.8   1     [1]
suppressor      organs             reactivation   1        0.9   1     [1]
antiangiogenic  hahnfeldt primary  angiogenesis   1.3      --    --    [2]
antiangiogenic  invasion           sprouts        1        0.5   1     [1]
antiangiogenic  invasion           taf            1        0.5   1     [1]
antiangiogenic  invasion           normalisation  1        0.5   1     [1]
cytotoxic       scalar primary     killing        0.3      1     10    [1]
cytotoxic       organs             killing        0.3      1     10    [1]
cytotoxic       invasion           killing        0.3      1     10    [1]
cytotoxic       circulation        survival       1        1     10    [1]
cytotoxic       circulation        priming        2        1     10    [3]
immunotherapy   circulation        immune         1        1     1     [1]
immunotherapy   organs             killing        0.1      1     1     [1]
immunotherapy   organs             dormant_death  0.01     1     1     [1]
==============  =================  =============  =======  ====  ====  ======

[1] illustrative (the suppressor's as in ``configs/suppressor.toml``); [2] Hahnfeldt et
al. 1999, TNP-470's ``e`` (recalled, not verified; ``configs/hahnfeldt1999.toml``); [3]
illustrative, as ``configs/chemo_priming.toml``.

Every class effect has the Hill exponent 1, acts through the level and has no
resistance. The suppressor never acts on a primary (a metastasis suppressor acts on the
spread alone); the cytotoxic class kills the cells of every compartment that divides and
primes the vessels (cyclophosphamide's priming of the lung's vessels, as in
``configs/chemo_priming.toml``).
"""

from __future__ import annotations

__all__ = ["CLASSES", "CLASS_EFFECTS", "kind_of"]

#: class -> ((kind, effect, potency, emax, ec50, source), ...)
CLASS_EFFECTS: dict[str, tuple[tuple[str, str, float, float, float, str], ...]] = {
    "suppressor": (
        ("circulation", "extravasation", 1.0, 0.8, 1.0, "illustrative (suppressor.toml)"),
        ("organs", "reactivation", 1.0, 0.9, 1.0, "illustrative (suppressor.toml)")),
    "antiangiogenic": (
        ("hahnfeldt primary", "angiogenesis", 1.3, 1.0, 1.0,
         "Hahnfeldt et al. 1999: TNP-470's e (recalled, not verified)"),
        ("invasion", "sprouts", 1.0, 0.5, 1.0, "illustrative"),
        ("invasion", "taf", 1.0, 0.5, 1.0, "illustrative"),
        ("invasion", "normalisation", 1.0, 0.5, 1.0, "illustrative")),
    "cytotoxic": (
        ("scalar primary", "killing", 0.3, 1.0, 10.0, "illustrative"),
        ("organs", "killing", 0.3, 1.0, 10.0, "illustrative"),
        ("invasion", "killing", 0.3, 1.0, 10.0, "illustrative"),
        ("circulation", "survival", 1.0, 1.0, 10.0, "illustrative"),
        ("circulation", "priming", 2.0, 1.0, 10.0, "illustrative (chemo_priming.toml)")),
    "immunotherapy": (
        ("circulation", "immune", 1.0, 1.0, 1.0, "illustrative"),
        ("organs", "killing", 0.1, 1.0, 1.0, "illustrative"),
        ("organs", "dormant_death", 0.01, 1.0, 1.0, "illustrative")),
}
#: the drug classes
CLASSES = tuple(CLASS_EFFECTS)


def kind_of(model: str, law: str | None = None) -> str:
    """The kind of a compartment of ``model`` (a primary's ``law``) in the table."""
    if model == "primary":
        return "hahnfeldt primary" if law == "hahnfeldt" else "scalar primary"
    return model
