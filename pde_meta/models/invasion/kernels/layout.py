"""Positions of the parameters and field planes in the arrays the kernels take.

The order is the order of ``..parameters.PARAMETER_SPECS`` (the ECM remodelling form
code is a number: 0 = logistic, 1 = relaxation) and of ``..fields.FIELDS``; a test keeps them
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
    "epithelial_diffusivity",
    "epithelial_haptotaxis",
    "epithelial_mmp_production",
    "epithelial_growth_rate",
    "emt_rate",
    "emt_hypoxia_rate",
    "emt_signal_rate",
    "emt_signal_saturation",
    "met_rate",
    "vessel_oxygen_supply",
    "blood_oxygen",
    "lymph_drainage",
    "vessel_wall_degradation",
    "taf_diffusivity",
    "taf_secretion",
    "taf_decay",
    "taf_uptake",
    "taf_saturation",
    "sprout_diffusivity",
    "sprout_chemotaxis",
    "sprout_chemotaxis_saturation",
    "sprout_haptotaxis",
    "sprouting_rate",
    "anastomosis_rate",
    "sprout_decay",
    "vessel_trail",
    "vessel_maturation_rate",
    "leakiness_induction",
    "leakiness_normalisation",
    "lymph_diffusivity",
    "lymphangiogenesis_rate",
    "vessel_capacity",
)

#: the constant below that names each entry of ``PARAM_NAMES``
PARAM_CONSTANTS = ("D_N", "CHI", "DELTA", "D_M", "MU", "LAMBDA", "D_C", "BETA", "GAMMA",
                   "ALPHA", "DELTA_B", "EPS", "GROWTH", "K_C", "DEATH", "C_H", "W_H", "PSI",
                   "PSI_FORM", "D_E", "CHI_E", "MU_E", "GROWTH_E", "K_EMT", "K_HYP", "K_SIG",
                   "K_SIG_SAT", "K_MET", "BETA_V", "C_B", "KAPPA_L", "DELTA_W", "D_A",
                   "SIGMA_A", "LAMBDA_A", "ETA", "K_A", "D_P", "CHI_P", "ALPHA_P", "RHO_P",
                   "SIGMA_P", "KAPPA_P", "DEATH_P", "TRAIL", "K_MAT", "RHO_L", "NU_L", "D_L",
                   "GROWTH_L", "V_CAP")
(D_N, CHI, DELTA, D_M, MU, LAMBDA, D_C, BETA, GAMMA, ALPHA, DELTA_B, EPS, GROWTH, K_C,
 DEATH, C_H, W_H, PSI, PSI_FORM, D_E, CHI_E, MU_E, GROWTH_E, K_EMT, K_HYP, K_SIG, K_SIG_SAT,
 K_MET, BETA_V, C_B, KAPPA_L, DELTA_W, D_A, SIGMA_A, LAMBDA_A, ETA, K_A, D_P, CHI_P, ALPHA_P,
 RHO_P, SIGMA_P, KAPPA_P, DEATH_P, TRAIL, K_MAT, RHO_L, NU_L, D_L,
 GROWTH_L, V_CAP) = range(len(PARAM_NAMES))

N_PARAMS = len(PARAM_NAMES)

# field planes of the (13, ny, nx) state array
(TUMOR, ECM, MEMBRANE, MMP, OXYGEN, EPITHELIAL, TAF, SPROUTS, BLOOD, NEW_VESSELS, LYMPH,
 VESSEL_WALL, LEAKINESS) = range(13)
N_FIELDS = 13
#: the first plane of the vessel group (taf .. leakiness: the rest of the array)
FIRST_VESSEL_PLANE = TAF

#: entries of the ``active`` array of the step: which groups of fields are stepped
PHENOTYPES_ON, VESSELS_ON = range(2)

#: status codes of the compiled time loop (:func:`.driver.advance`)
REACHED_END, MAX_STEPS, DT_TOO_LARGE, NOT_FINITE = range(4)
