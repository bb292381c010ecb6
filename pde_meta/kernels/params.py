"""Positions of the model parameters in the flat float tuple the kernels take.

The order is the order of ``pde_meta.model.PARAMETER_SPECS`` followed by the ECM
remodelling form code (0 = logistic, 1 = relaxation); a test keeps the two in step.
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

(D_N, CHI, DELTA, D_M, MU, LAMBDA, D_C, BETA, GAMMA, ALPHA, DELTA_B, EPS, GROWTH, K_C,
 DEATH, C_H, W_H, PSI, PSI_FORM) = range(len(PARAM_NAMES))

N_PARAMS = len(PARAM_NAMES)

# field planes of the (5, ny, nx) state array
TUMOR, ECM, MEMBRANE, MMP, OXYGEN = range(5)

#: status codes of the compiled time loop (:func:`.driver.advance`)
REACHED_END, MAX_STEPS, DT_TOO_LARGE, NOT_FINITE = range(4)
