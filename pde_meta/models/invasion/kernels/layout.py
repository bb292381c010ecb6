"""Positions of the parameters and field planes in the arrays the kernels take.

The order is the order of ``..parameters.PARAMETER_SPECS`` (the ECM remodelling form
code last: 0 = logistic, 1 = relaxation) and of ``..fields.FIELDS``; a test keeps them
in step (kernels take plain numbers, so these are integer constants numba folds in).
"""

PARAM_NAMES = (
    "tumor_diffusivity",
    "haptotaxis",
    "ecm_degradation",
    "mmp_diffusivity",
    "mmp_production",
    "mmp_decay",
    "oxygen_diffusivity",
    "oxygen_supply",
    "oxygen_consumption",
    "oxygen_decay",
    "membrane_degradation",
    "membrane_leakiness",
    "growth_rate",
    "growth_oxygen_saturation",
    "hypoxic_death_rate",
    "hypoxia_threshold",
    "hypoxia_width",
    "ecm_remodelling",
    "ecm_remodelling_form",
)

#: the constant below that names each entry of ``PARAM_NAMES``
PARAM_CONSTANTS = ("D_N", "CHI", "DELTA", "D_M", "MU", "LAMBDA", "D_C", "BETA", "GAMMA",
                   "ALPHA", "DELTA_B", "EPS", "GROWTH", "K_C", "DEATH", "C_H", "W_H", "PSI",
                   "PSI_FORM")
(D_N, CHI, DELTA, D_M, MU, LAMBDA, D_C, BETA, GAMMA, ALPHA, DELTA_B, EPS, GROWTH, K_C,
 DEATH, C_H, W_H, PSI, PSI_FORM) = range(len(PARAM_NAMES))

N_PARAMS = len(PARAM_NAMES)

# field planes of the (5, ny, nx) state array
TUMOR, ECM, MEMBRANE, MMP, OXYGEN = range(5)

#: status codes of the compiled time loop (:func:`.driver.advance`)
REACHED_END, MAX_STEPS, DT_TOO_LARGE, NOT_FINITE = range(4)
