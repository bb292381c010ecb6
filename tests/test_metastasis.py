"""The probability of metastasis over replicates: the Wilson interval against published
values, and the estimate per parameter point, organ and time from a summary table."""

import math

import pandas as pd
import pytest

from pde_meta.errors import ConfigError
from pde_meta.sweep import metastasis_probability, wilson


def test_the_wilson_interval_matches_its_published_values():
    # Newcombe (1998), Table I: 0/10 -> (0, 0.2775), 81/263 -> (0.2553, 0.3662); and
    # 5/10 by hand: 0.5 -+ 1.96 sqrt(0.025 + 0.0096) / 1.3842 = (0.2366, 0.7634)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert all(math.isnan(x) for x in wilson(0, 0))


def test_the_probability_counts_the_replicates_metastasised_by_each_time():
    nan = math.nan
    table = pd.DataFrame({
        "member": range(6), "file": [f"{k}.h5" for k in range(6)],
        "organs.compartments.organs.organs[0].growth_rate": [0.1] * 3 + [0.2] * 3,
        "replicate": [0, 1, 2] * 2, "status": ["complete"] * 5 + ["failed"],
        "organs.liver_first_macrometastasis": [5.0, nan, 12.0, 2.0, 3.0, 1.0],
        "organs.lung_first_macrometastasis": [nan] * 6})
    p = metastasis_probability(table, [4.0, 10.0])
    liver = p[p.organ == "liver"]
    assert liver.probability.tolist() == pytest.approx([0.0, 1 / 3, 1.0, 1.0])
    assert liver.replicates.tolist() == [3, 3, 2, 2]  # the failed member is left out
    assert liver.iloc[1][["low", "high"]].tolist() == pytest.approx(wilson(1, 3))
    assert p[p.organ == "lung"].metastasised.sum() == 0
    with pytest.raises(ConfigError, match="first_macrometastasis"):
        metastasis_probability(table.drop(columns=[c for c in table if "first" in c]), [1])
