import numpy as np
import pytest

np.seterr(all="raise", under="ignore")


@pytest.fixture
def rng():
    return np.random.default_rng(20051)


def random_state_data(rng, shape=(23, 31), membrane=True, extras=False):
    """Random positive fields with structure: every term of every kernel is exercised.

    The planes after oxygen (epithelial cells, TAF, vessels) are zero unless ``extras``."""
    ny, nx = shape
    data = np.zeros((13, ny, nx))
    data[0] = rng.uniform(0, 1, shape) ** 3                 # tumour, with sharp contrasts
    data[1] = rng.uniform(0, 1.2, shape)                    # ECM
    data[2] = rng.uniform(0, 1, shape) * membrane * (rng.uniform(size=shape) < 0.5)
    data[3] = rng.uniform(0, 2, shape)                      # MMP
    data[4] = rng.uniform(0, 1.5, shape)                    # oxygen
    if extras:
        data[5] = rng.uniform(0, 0.6, shape) ** 2           # epithelial
        data[6] = rng.uniform(0, 0.5, shape)                # TAF
        data[7] = rng.uniform(0, 0.5, shape) ** 3           # sprout tips
        data[8] = rng.uniform(0, 0.6, shape) * (rng.uniform(size=shape) < 0.3)  # blood
        data[9] = rng.uniform(0, 0.4, shape) * (rng.uniform(size=shape) < 0.5)  # new
        data[10] = rng.uniform(0, 0.8, shape) * (rng.uniform(size=shape) < 0.3)  # lymph
        data[11] = rng.uniform(0, 1, shape)                 # vessel wall
        data[12] = rng.uniform(0, 1, shape)                 # leakiness
    return data


def two_zone_steady(x, x_b, d, k_in, s_in, k_out):
    """Steady ``d u'' = k u - s`` on [0, 1] with zero-flux ends, ``(k, s) = (k_in, s_in)``
    for ``x < x_b`` and ``(k_out, 0)`` beyond: ``u = s/k + A cosh(x/l1)`` inside,
    ``B cosh((1 - x)/l2)`` outside, value and flux continuous at ``x_b``."""
    l1, l2 = np.sqrt(d / k_in), np.sqrt(d / k_out)
    u_p = s_in / k_in
    # [cosh(x_b/l1), -cosh((1-x_b)/l2)] [A B]^T = -u_p ; sinh(x_b/l1)/l1 A + sinh(..)/l2 B = 0
    m = np.array([[np.cosh(x_b / l1), -np.cosh((1 - x_b) / l2)],
                  [np.sinh(x_b / l1) / l1, np.sinh((1 - x_b) / l2) / l2]])
    a, b = np.linalg.solve(m, [-u_p, 0.0])
    return np.where(x < x_b, u_p + a * np.cosh(x / l1), b * np.cosh((1 - x) / l2))
