import numpy as np
import pytest

np.seterr(all="raise", under="ignore")


@pytest.fixture
def rng():
    return np.random.default_rng(20051)


def random_state_data(rng, shape=(23, 31), membrane=True):
    """Random positive fields with structure: every term of every kernel is exercised."""
    ny, nx = shape
    data = np.empty((5, ny, nx))
    data[0] = rng.uniform(0, 1, shape) ** 3                 # tumour, with sharp contrasts
    data[1] = rng.uniform(0, 1.2, shape)                    # ECM
    data[2] = rng.uniform(0, 1, shape) * membrane * (rng.uniform(size=shape) < 0.5)
    data[3] = rng.uniform(0, 2, shape)                      # MMP
    data[4] = rng.uniform(0, 1.5, shape)                    # oxygen
    return data
