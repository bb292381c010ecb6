"""Face fluxes of tumour cells: diffusion plus Koren-limited upwind haptotaxis.

On the face between a left cell ``l`` and a right cell ``r`` (``ll`` and ``rr`` their
outer neighbours, clamped at walls) the flux from ``l`` to ``r`` per unit face length is

    F = M_face * ( D (n_l - n_r) / h  +  v n_face ),   v = chi (f_r - f_l) / h,
    M_face = 1 - (b_l + b_r) / (2 (1 + eps)),

with ``n_face`` the upwind value corrected by the Koren limiter (Koren 1993; used for taxis
by Gerisch & Chaplain 2006). Because the limiter satisfies ``0 <= phi(r) <= min(2r, 2)``,
``0 <= n_face <= 2 n_upwind``: the outflow of a cell through a face is at most
``2 |v| n``, which gives the positivity bound used for the time step.
"""

from ....numerics.jit import jit


@jit
def koren_slope(d_up, d_down):
    """``phi(r) * d_up`` for the Koren limiter, ``r = d_down / d_up``, without a division.

    ``phi(r) = max(0, min(2 r, (1 + 2 r) / 3, 2))``. Written without branches (the sign
    of ``d_up`` is folded in) so that loops over faces vectorise.
    """
    s = 1.0 if d_up >= 0.0 else -1.0
    a = s * d_up
    b = s * d_down
    return s * max(0.0, min(min(2.0 * b, (a + 2.0 * b) * (1.0 / 3.0)), 2.0 * a))


@jit
def drift_face_flux(n_ll, n_l, n_r, n_rr, v, diffusivity, inv_h):
    """Diffusion plus Koren-limited upwind drift at a given velocity ``v`` (left to right)
    through one face: the flux and the outflow rates of :func:`free_face_flux`.

    The sprout tips of angiogenesis drift up TAF and ECM at once; their face velocity is
    computed by the caller.
    """
    up = v >= 0.0
    n_up = n_l if up else n_r
    d_up = n_l - n_ll if up else n_r - n_rr
    d_down = n_r - n_l if up else n_l - n_r
    n_face = n_up + 0.5 * koren_slope(d_up, d_down)
    flux = (n_l - n_r) * (diffusivity * inv_h) + v * n_face
    diff_rate = diffusivity * inv_h * inv_h
    drift = 2.0 * inv_h * v
    return flux, diff_rate + max(drift, 0.0), diff_rate + max(-drift, 0.0)


@jit
def diffusion_face_flux(n_l, n_r, diffusivity, inv_h):
    """:func:`free_face_flux` without taxis (``chi = 0``): the same flux and rates (to the
    sign of a zero flux, which no update sees), without the limiter's work."""
    diff_rate = diffusivity * inv_h * inv_h
    return (n_l - n_r) * (diffusivity * inv_h), diff_rate + 0.0, diff_rate + 0.0


@jit
def free_face_flux(n_ll, n_l, n_r, n_rr, f_l, f_r, diffusivity, chi, inv_h):
    """Flux through one face and the outflow rates it gives its two cells, for ``M = 1``.

    Returns
    -------
    flux : float
        Flux from left to right per unit face length.
    rate_l, rate_r : float
        ``D / h^2 + 2 max(+-v, 0) / h``: how fast the face can drain each cell, relative
        to that cell's density (the positivity bound sums these over faces).
    """
    # constant factors grouped so that the compiler hoists them out of a loop over faces
    v = (f_r - f_l) * (chi * inv_h)
    return drift_face_flux(n_ll, n_l, n_r, n_rr, v, diffusivity, inv_h)


@jit
def face_flux(n_ll, n_l, n_r, n_rr, f_l, f_r, b_l, b_r, diffusivity, chi, inv_eps1, inv_h):
    """:func:`free_face_flux` times the face mobility ``M = 1 - (b_l + b_r) / (2 (1 + eps))``.

    With no membrane on either side ``M`` is exactly 1 and the two functions give the same
    numbers to the bit, so a row without membrane can skip the mobility.
    """
    mob = 1.0 - 0.5 * (b_l + b_r) * inv_eps1
    flux, rate_l, rate_r = free_face_flux(n_ll, n_l, n_r, n_rr, f_l, f_r, diffusivity, chi,
                                          inv_h)
    return mob * flux, mob * rate_l, mob * rate_r


@jit
def tip_velocity(a_l, a_r, f_l, f_r, chi0, alpha, rho, inv_h):
    """Drift of sprout tips through a face: ``chi(a) da/dx + rho df/dx``, with the
    receptor-saturating ``chi(a) = chi0 / (1 + alpha a)`` at the face mean of ``a``
    (Anderson & Chaplain 1998)."""
    chi = chi0 / (1.0 + alpha * 0.5 * (a_l + a_r))
    return (chi * (a_r - a_l) + rho * (f_r - f_l)) * inv_h


@jit
def wall_faces(flux, rate_l, rate_r):
    """Zero flux and outflow rates on the two wall faces (entries 0 and nx) of a row."""
    nx = flux.shape[0] - 1
    flux[0] = 0.0
    rate_l[0] = 0.0
    rate_r[0] = 0.0
    flux[nx] = 0.0
    rate_l[nx] = 0.0
    rate_r[nx] = 0.0
