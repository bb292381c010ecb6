"""Movies of fields over every snapshot: MP4 through ffmpeg, else GIF through Pillow."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import animation
from matplotlib.figure import Figure

from ..errors import ConfigError
from . import style
from .select import field_names, present_fields, spatial_fields

__all__ = ["make_movie"]

log = logging.getLogger(__name__)


def make_movie(ds, path, field: str | Sequence[str] | None = None, *, fps: float = 5,
               dpi: float = 100, writer: str | None = None, figsize=None) -> Path:
    """A movie of one or several fields over every snapshot.

    Parameters
    ----------
    ds : xarray.Dataset
    path : str or Path
        Where to write. The suffix is set to the format actually written: ``.mp4`` for
        ffmpeg, ``.gif`` for Pillow.
    field : str or sequence of str, optional
        One panel per field. Every frame rescales every panel to the range of its field at
        that time, and the panel's colour bar follows, so a field that fades by orders of
        magnitude (a spreading tumour) stays visible to the last frame. Default: the
        dataset's first field that is not zero everywhere at every time.
    fps : float, default 5
        Frames (snapshots) per second.
    dpi : float, default 100
    writer : {None, "ffmpeg", "pillow"}, optional
        ``None`` picks MP4 through ffmpeg when
        ``matplotlib.animation.writers.is_available("ffmpeg")``, else GIF through Pillow;
        ``"pillow"`` forces GIF; ``"ffmpeg"`` fails if ffmpeg is missing.
    figsize : (float, float), optional

    Returns
    -------
    pathlib.Path
        The file written; its suffix says which format. The choice is also logged.
    """
    if field is None:
        field = present_fields(ds, spatial_fields(ds))[0][:1]
    names = field_names(ds, field)
    have_ffmpeg = animation.writers.is_available("ffmpeg")
    if writer is None:
        writer = "ffmpeg" if have_ffmpeg else "pillow"
    if writer not in ("ffmpeg", "pillow"):
        raise ConfigError(f"plotting: movie writer {writer!r}; allowed: ffmpeg, pillow, or "
                          f"None to choose automatically")
    if writer == "ffmpeg" and not have_ffmpeg:
        raise ConfigError("plotting: ffmpeg is not available for an MP4 movie; fix: "
                          "install ffmpeg, or pass writer='pillow' for a GIF")
    path = Path(path).with_suffix(".mp4" if writer == "ffmpeg" else ".gif")

    extent = style.extent(ds)
    aspect = style.aspect(extent)
    headers = [style.header(ds, name) for name in names]
    head_lines = max(h.count("\n") + 1 for h in headers)
    if figsize is None:
        figsize = (3.2 * len(names) + 0.4, 3.0 * aspect + 1.1 + 0.2 * head_lines)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False, sharey=True)[0]
    t = np.asarray(ds["time"].values, dtype=float)
    data = [np.asarray(ds[n].values, dtype=float) for n in names]
    images = []
    for j, (ax, name, values) in enumerate(zip(axes, names, data, strict=True)):
        # colour bars below the panels: their ticks change every frame, the layout not
        image, _ = style.field_image(fig, ax, ds, name, values[0], extent, "bottom")
        ax.set_label(name)
        ax.set_title(headers[j], fontsize="medium")
        ax.set_xlabel(style.axis_label(ds, "x"))
        if j == 0:
            ax.set_ylabel(style.axis_label(ds, "y"))
        images.append(image)
    title = fig.suptitle(style.time_text(ds, t[0]))
    style.check_dpi(dpi, {path.name: fig})
    path.parent.mkdir(parents=True, exist_ok=True)
    # lay out once, at the saving resolution, then freeze: frames must not jitter
    fig.set_dpi(dpi)
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    movie_writer = (animation.FFMpegWriter(fps=fps) if writer == "ffmpeg"
                    else animation.PillowWriter(fps=fps))
    with movie_writer.saving(fig, str(path), dpi):
        for k in range(t.size):
            for image, values in zip(images, data, strict=True):
                image.set_data(values[k])
                image.set_clim(*style.limits(values[k]))
            title.set_text(style.time_text(ds, t[k]))
            movie_writer.grab_frame()
    log.info("wrote %s movie %s (%d frames)", "MP4" if writer == "ffmpeg" else "GIF", path,
             t.size)
    return path
