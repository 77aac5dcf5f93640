"""Figures used across the notebooks, in one consistent style. Every function returns the figure."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
import textwrap

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import numpy as np

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 16,                     # legible when a figure is projected on a slide (about 20 px)
    "legend.fontsize": 14,
    "image.cmap": "gray_r",
    # opaque white: figures stay readable in a dark JupyterLab theme or web page
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.transparent": False,
}
DIGIT_COLORS = plt.get_cmap("tab10")


def use_style() -> None:
    """Apply the collection's matplotlib style (small, light figures keep notebooks under 3 MB)."""
    plt.rcParams.update(STYLE)


use_style()


def _as_images(images) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 2:  # flat vectors: assume square images
        side = int(round(np.sqrt(images.shape[1])))
        images = images.reshape(len(images), side, side)
    if images.ndim != 3:
        raise ValueError(f"images: expected shape (N, rows, cols), got {images.shape}")
    return images


GRID_GAP = 2  # white pixels between neighbouring images of a grid
TITLE_PT, LABEL_PT = 12, 13  # an image's title and a row's label: legible when projected
TITLE_ROOM = 0.4  # inches above a grid for its title: clear of the images' own titles
PT_PER_ROW = 2.4  # a tall grid is shown smaller (a slide fits its height): its row labels grow with its rows


def image_mosaic(images, ncols: int, gap: int = GRID_GAP, band: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The images tiled row by row into one array, ``gap`` white pixels apart and ``band`` white rows above
    each row of images (room for titles); returns the array and each image's top-left (row, column)."""
    images = _as_images(images)
    n, (h, w) = len(images), images.shape[1:]
    nrows = max(1, -(-n // ncols))
    cell_h, cell_w = band + h + gap, w + gap
    canvas = np.zeros((nrows * cell_h - gap, ncols * cell_w - gap), np.float32)
    corners = np.array([(band + (i // ncols) * cell_h, (i % ncols) * cell_w) for i in range(n)]).reshape(n, 2)
    for image, (r, c) in zip(images, corners):
        canvas[r:r + h, c:c + w] = image
    return canvas, corners


def image_grid(images, ncols: int = 10, titles: Sequence[str] | None = None, title: str | None = None,
               scale: float = 0.9, row_labels: Sequence[str] | None = None):
    """Images in a grid of ``ncols`` columns (pixel value 1 = black ink), ``scale`` inches per image.

    Drawn as one picture (:func:`image_mosaic`) in one axes: a hundred small axes would take
    seconds to lay out. ``titles`` go above the images, ``row_labels`` left of the rows.
    """
    images = _as_images(images)
    n, (h, w) = len(images), images.shape[1:]
    ncols = int(ncols)
    if ncols <= 0:
        raise ValueError(f"ncols={ncols}: expected a positive number of columns")
    if titles is not None and len(titles) < n:
        raise ValueError(f"titles: {len(titles)} titles for {n} images")
    inch_per_pixel = scale / (w + GRID_GAP)
    nrows = max(1, -(-n // ncols))
    widest = max((len(str(label)) for label in (row_labels or [])[:nrows]), default=0)
    # larger labels for a tall grid, as long as they take at most a sixth of the grid's width
    fits = 72 * scale * ncols / 6 / (0.6 * widest) if widest else LABEL_PT
    label_pt = max(LABEL_PT, min(PT_PER_ROW * nrows, fits))
    longest = max((len(t) for t in (titles or [])[:n]), default=0)
    # a title fits above its image, and is no larger than the row labels (short ones grow with them)
    title_pt = min(max(TITLE_PT, label_pt if widest else TITLE_PT), 72 * scale / (0.6 * longest)) if longest \
        else TITLE_PT
    band = int(np.ceil(1.4 * title_pt / 72 / inch_per_pixel)) if longest else 0
    canvas, corners = image_mosaic(images, ncols, GRID_GAP, band)
    fig, ax = plt.subplots(figsize=(scale * ncols, inch_per_pixel * canvas.shape[0] + (TITLE_ROOM if title else 0)))
    ax.imshow(canvas, vmin=0, vmax=1)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks([])
    if row_labels is not None:
        ax.set_yticks(band + np.arange(min(nrows, len(row_labels))) * (band + h + GRID_GAP) + (h - 1) / 2,
                      [str(label) for label in row_labels[:nrows]], fontsize=label_pt)
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    for text, (r, c) in zip(titles if band else [], corners):
        if text:
            ax.text(c + (w - 1) / 2, r - 1, text, ha="center", va="bottom", fontsize=title_pt)
    fig.tight_layout(pad=0.2)
    for _ in range(3):  # the axes keep the images' aspect: take off the height their labels left blank
        width, height = fig.get_size_inches()
        ax.apply_aspect()
        blank = (ax.get_position(original=True).height - ax.get_position().height) * height
        if blank > 0.05:
            fig.set_size_inches(width, height - blank)
            fig.tight_layout(pad=0.2)
    if title:
        height = fig.get_size_inches()[1]
        fig.subplots_adjust(top=1 - TITLE_ROOM / height)
        fig.suptitle(title, y=1 - 0.05 / height, va="top")
    return fig


def column_titled_grid(images, column_titles: Sequence[str], title: str | None = None, scale: float = 0.9,
                       title_pt: float = 16):
    """Images in a grid of ``len(column_titles)`` columns, ``scale`` inches per image, one title above
    each column at ``title_pt`` points (16: legible on a slide; :func:`image_grid`'s per-image titles
    shrink to fit their image)."""
    images = _as_images(images)
    ncols, (h, w) = len(column_titles), images.shape[1:]
    if ncols == 0:
        raise ValueError("column_titles: expected one title per column, got none")
    canvas, _ = image_mosaic(images, ncols)
    inch_per_pixel = scale / (w + GRID_GAP)
    grid_h, label_h, title_h = canvas.shape[0] * inch_per_pixel, 1.5 * title_pt / 72, 0.45 if title else 0.0
    height, grid_w, side = grid_h + label_h + title_h, canvas.shape[1] * inch_per_pixel, 0.15
    fig = plt.figure(figsize=(grid_w + 2 * side, height))
    ax = fig.add_axes((side / (grid_w + 2 * side), 0, grid_w / (grid_w + 2 * side), grid_h / height))
    ax.imshow(canvas, vmin=0, vmax=1, aspect="auto")
    ax.axis("off")
    for k, text in enumerate(column_titles):
        ax.text(k * (w + GRID_GAP) + (w - 1) / 2, -2, text, ha="center", va="bottom", fontsize=title_pt)
    if title:
        fig.suptitle(title, y=1 - 0.05 / height, va="top")
    return fig


def reconstruction_rows(originals, reconstructions, labels: Sequence[str] = ("data x", "reconstruction")):
    """Originals in the top row and their reconstructions below, one column per image."""
    originals, reconstructions = _as_images(originals), _as_images(reconstructions)
    if len(originals) != len(reconstructions):
        raise ValueError(f"originals ({len(originals)}) and reconstructions ({len(reconstructions)}) differ in number")
    return image_grid(np.concatenate([originals, reconstructions]), ncols=len(originals), row_labels=list(labels))


def latent_scatter(z, labels, title: str | None = None, ax=None, max_points: int = 5000):
    """2-D codes coloured by digit label (first two dimensions if z has more)."""
    z, labels = np.asarray(z), np.asarray(labels)
    if z.ndim != 2 or z.shape[1] < 2:
        raise ValueError(f"z: expected shape (N, ≥2), got {z.shape}")
    z, labels = z[:max_points], labels[:max_points]
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 4.2))
    points = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap=DIGIT_COLORS, vmin=-0.5, vmax=9.5, s=4, alpha=0.7)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    if title:
        ax.set_title(title)
    cbar = ax.figure.colorbar(points, ax=ax, ticks=range(10))
    cbar.set_label("digit y")
    return fig if fig is not None else ax.figure


def _decoded_cells(ax, decode, extent, n, owner=None, mark=None, codes=None, code_labels=None,
                   dots=(3, 0.5)) -> list:
    """One panel of ``latent_grid``: decode the centres of ``extent``'s n×n cells into one picture on ``ax``,
    tint and hatch the cells, draw the codes as dots of (size, alpha) ``dots``; returns the legend's digits."""
    x0, x1, y0, y1 = extent
    g1 = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    g2 = y1 - (np.arange(n) + 0.5) * (y1 - y0) / n
    z = np.array([[a, b] for b in g2 for a in g1], dtype=np.float32)
    images = _as_images(decode(z))
    rows, cols = images.shape[1:]
    canvas = images.reshape(n, n, rows, cols).transpose(0, 2, 1, 3).reshape(n * rows, n * cols)
    ax.imshow(canvas, extent=(x0, x1, y0, y1), vmin=0, vmax=1, aspect="auto")
    ax.set_box_aspect(1)                                   # a square picture, whatever the ranges
    w, h = (x1 - x0) / n, (y1 - y0) / n
    digits = []
    if owner is not None:
        owner = np.asarray(owner)
        if owner.shape != (n, n) or not np.issubdtype(owner.dtype, np.integer):
            raise ValueError(f"owner: expected an ({n}, {n}) integer array, got {owner.dtype} of shape {owner.shape}")
        for r, c in zip(*np.nonzero(owner >= 0)):
            ax.add_patch(plt.Rectangle((x0 + c * w, y1 - (r + 1) * h), w, h, fc=_tint(owner[r, c]), ec="none"))
        digits = list(np.unique(owner[owner >= 0]))
    if mark is not None:
        mark = np.asarray(mark, bool)
        if mark.shape != (n, n):
            raise ValueError(f"mark: expected an ({n}, {n}) boolean array, got shape {mark.shape}")
        for r, c in zip(*np.nonzero(mark)):
            ax.add_patch(plt.Rectangle((x0 + c * w, y1 - (r + 1) * h), w, h, fc=(1, 1, 1, 0.5), **_HATCHED))
    if codes is not None:
        codes = np.asarray(codes, dtype=float)
        if codes.ndim != 2 or codes.shape[1] != 2 or (code_labels is not None and len(code_labels) != len(codes)):
            raise ValueError(f"codes: expected shape (N, 2) and N labels, got {codes.shape}")
        colours = DIGIT_COLORS(np.asarray(code_labels, int)) if code_labels is not None else (0.3, 0.3, 0.3, 1.0)
        # under the tints (zorder 1), above the pictures (0): faint dots leave the pictures readable
        ax.scatter(codes[:, 0], codes[:, 1], c=colours, s=dots[0], alpha=dots[1], linewidths=0, zorder=0.5)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
    ax.grid(False)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    return digits


_tint = lambda d: (*DIGIT_COLORS(int(d))[:3], 0.3)
_HATCHED = dict(hatch="///", edgecolor=(0.4, 0.4, 0.4), lw=0)     # apart from every digit's tint


def latent_grid(decode: Callable[[np.ndarray], np.ndarray], extent: tuple[float, float, float, float] = (-3, 3, -3, 3),
                n: int = 15, title: str | None = None, mark=None, mark_label: str | None = None, owner=None,
                owner_label: str = "tint: the digit most of the cell's test codes belong to",
                codes=None, code_labels=None, codes_label: str = "a test code",
                zoom: tuple[float, float, float, float] | None = None, zoom_n: int = 12, zoom_owner=None,
                zoom_title: str | None = None, zoom_label: str = "the region on the right", zoom_mark=None):
    """Split ``extent`` into n×n cells, decode the centre z = (z_1, z_2) of each, and tile the images into one picture.

    ``decode`` maps an array of shape (n*n, 2) to images (n*n, rows, cols). z_2 grows upwards.
    ``mark``: an (n, n) boolean array (rows top to bottom, as drawn) of cells to mark,
    hatched and described in the legend by ``mark_label``. ``owner``: an (n, n) integer array, the same way
    round, of a digit per cell (-1 for none), each cell tinted in its digit's colour.
    ``codes``: (N, 2) codes drawn as small faint dots under the tints, each in its digit's colour when
    ``code_labels`` gives the digits (grey otherwise), named ``codes_label`` in the legend; the view stays ``extent``.
    ``zoom``: a smaller region (z_1 from, to, z_2 from, to), outlined in black and decoded again in a second
    panel on the right, on zoom_n×zoom_n cells tinted by ``zoom_owner`` (as ``owner``), with bolder dots;
    ``title`` then stands above both panels and ``zoom_title`` above the right one. ``zoom_mark``: the zoom's
    cells to hatch, as ``mark`` (an (zoom_n, zoom_n) boolean array).
    """
    # the legend beside the grid, not under it: the figure is wider than tall, as a slide is
    if zoom is None:
        fig, ax = plt.subplots(figsize=(10, 7) if owner is not None else (5.5, 5.5))
        axes = [ax]
    else:
        fig, axes = plt.subplots(1, 2, figsize=(13, 6), gridspec_kw=dict(wspace=0.25))
    digits = _decoded_cells(axes[0], decode, extent, n, owner, mark, codes, code_labels, dots=(1, 0.15))
    if zoom is not None:
        digits += _decoded_cells(axes[1], decode, zoom, zoom_n, zoom_owner, zoom_mark, codes, code_labels, dots=(3, 0.5))
        x0, x1, y0, y1 = extent                            # the outline stops at the left panel's edges, drawn whole
        a0, a1, b0, b1 = max(zoom[0], x0), min(zoom[1], x1), max(zoom[2], y0), min(zoom[3], y1)
        # a thin outline: the spot is small, and a thick one would hide the thumbnails it crosses
        axes[0].add_patch(plt.Rectangle((a0, b0), a1 - a0, b1 - b0, fc="none", ec="black", lw=1.2, zorder=2,
                                        clip_on=False))
        if zoom_title:
            axes[1].set_title(zoom_title)
    handles = [Patch(fc=_tint(d), label=str(d)) for d in sorted(set(int(d) for d in digits))]
    if mark_label and any(m is not None and np.asarray(m, bool).any() for m in (mark, zoom_mark)):
        handles.append(Patch(fc=(1, 1, 1, 0.5), label=mark_label, **_HATCHED))
    if codes is not None:
        handles.append(Line2D([], [], ls="", marker="o", ms=4, color=(0.3, 0.3, 0.3), label=codes_label))
    if zoom is not None:
        handles.append(Patch(fc="none", ec="black", lw=1.2, label=zoom_label))
    if handles:
        has_owner = owner is not None or zoom_owner is not None
        axes[-1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.03, 1), frameon=False,
                        ncol=2 if has_owner else 1,
                        title=textwrap.fill(owner_label, 24) if has_owner else None, alignment="left",
                        fontsize=plt.rcParams["font.size"])          # as large as the axis labels: read on slides
    if title and zoom is not None:
        fig.suptitle(title, y=1.0)                         # above both panels: no clash with the zoom's title
    elif title:
        axes[0].set_title(title)
    return fig


def cell_majority(codes, labels, extent: tuple[float, float, float, float], n: int = 15) -> np.ndarray:
    """The digit most of each cell's codes belong to, on ``latent_grid``'s n×n cells of ``extent``.

    Returns an (n, n) integer array laid out as ``latent_grid`` draws it (rows from the top, large z_2,
    to the bottom; columns from small to large z_1), -1 for a cell that holds no code. Codes outside
    ``extent`` count for no cell; a code on the upper edge of the region counts for the last cell.
    Ties go to the smaller digit.
    """
    codes, labels = np.asarray(codes, dtype=float), np.asarray(labels, dtype=int)
    if codes.ndim != 2 or codes.shape[1] != 2 or len(codes) != len(labels):
        raise ValueError(f"expected codes of shape (N, 2) and N labels, got {codes.shape} and {labels.shape}")
    x0, x1, y0, y1 = extent
    inside = (codes[:, 0] >= x0) & (codes[:, 0] <= x1) & (codes[:, 1] >= y0) & (codes[:, 1] <= y1)
    col = np.clip(((codes[:, 0] - x0) / (x1 - x0) * n).astype(int), 0, n - 1)
    row = n - 1 - np.clip(((codes[:, 1] - y0) / (y1 - y0) * n).astype(int), 0, n - 1)   # the top row first
    counts = np.zeros((n, n, max(10, labels.max(initial=0) + 1)), dtype=int)
    np.add.at(counts, (row[inside], col[inside], labels[inside]), 1)
    return np.where(counts.sum(axis=-1) > 0, counts.argmax(axis=-1), -1)


def cell_shares(owner, n_digits: int = 10) -> np.ndarray:
    """Of the cells that hold a code (``cell_majority``'s ``owner`` ≥ 0), the share in which each digit is
    the majority: an array of ``n_digits`` shares that sums to 1."""
    owned = np.asarray(owner).ravel()
    owned = owned[owned >= 0]
    if owned.size == 0:
        raise ValueError("owner: no cell holds a code")
    return np.bincount(owned, minlength=n_digits) / owned.size


def digit_shares_inside(codes, labels, box=None, radius: float | None = None, n_digits: int = 10) -> np.ndarray:
    """The share of each digit's 2-D codes inside a region: the ``box`` (z_1 from, to, z_2 from, to; edges
    included) or, with ``radius``, the disc closer than ``radius`` to the origin. Returns ``n_digits``
    shares, NaN for a digit without codes."""
    codes, labels = np.asarray(codes, dtype=float), np.asarray(labels, dtype=int)
    if codes.ndim != 2 or codes.shape[1] != 2 or len(codes) != len(labels) or (box is None) == (radius is None):
        raise ValueError("expected codes of shape (N, 2), N labels, and either a box or a radius")
    if box is not None:
        x0, x1, y0, y1 = box
        inside = (codes[:, 0] >= x0) & (codes[:, 0] <= x1) & (codes[:, 1] >= y0) & (codes[:, 1] <= y1)
    else:
        inside = np.linalg.norm(codes, axis=1) < radius
    total = np.bincount(labels, minlength=n_digits)[:n_digits]
    hits = np.bincount(labels[inside], minlength=n_digits)[:n_digits]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, hits / np.maximum(total, 1), np.nan)


def code_extent(codes, labels, digits: Sequence[int] = (0, 7), q: float = 1) -> dict:
    """For each digit in ``digits``, the width (along z_1) and height (along z_2) of the middle (100 − 2q) %
    of its 2-D codes: the distance from the q-th to the (100 − q)-th percentile along each axis."""
    codes, labels = np.asarray(codes, dtype=float), np.asarray(labels, dtype=int)
    return {d: tuple(np.ptp(np.percentile(codes[labels == d], [q, 100 - q], axis=0), axis=0)) for d in digits}


def decoded_code_plane(decode, codes, labels, extent: tuple[float, float, float, float], n: int = 15,
                       zoom: tuple[float, float, float, float] | None = None, zoom_n: int = 12, **kwargs):
    """``latent_grid`` with its cells read off the codes: each cell tinted by the digit most of its codes
    belong to (``cell_majority``), a cell without codes hatched, on the plane and in the ``zoom``; the codes
    drawn as dots. ``kwargs`` go to ``latent_grid`` (titles, labels). Returns the figure and the plane's
    (n, n) majority array (rows from the top, as drawn; -1: no code)."""
    owner = cell_majority(codes, labels, extent, n)
    zoom_owner = cell_majority(codes, labels, zoom, zoom_n) if zoom is not None else None
    fig = latent_grid(decode, extent=extent, n=n, owner=owner, mark=owner < 0, codes=codes, code_labels=labels,
                      zoom=zoom, zoom_n=zoom_n, zoom_owner=zoom_owner,
                      zoom_mark=None if zoom is None else zoom_owner < 0, **kwargs)
    return fig, owner


def training_curves(histories: Mapping[str, Mapping[str, Sequence[float]]] | Mapping[str, Sequence[float]],
                    keys: Sequence[str] = ("loss",), ylabel: str | None = None, title: str | None = None,
                    key_labels: Mapping[str, str] | None = None):
    """Per-epoch curves from Keras ``History.history`` dicts.

    ``histories`` is one history dict or ``{name: history}`` for several models; each key
    in ``keys`` is drawn solid, its ``val_`` counterpart (when logged) dashed. One colour per model,
    or per key when there is one model; ``key_labels`` names the keys in the legend.
    """
    if histories and all(isinstance(v, Sequence) for v in histories.values()):
        histories = {"": histories}
    key_labels = dict(key_labels or {})
    fig, ax = plt.subplots(figsize=(9, 4.4))
    for i, (name, hist) in enumerate(histories.items()):
        for j, key in enumerate(keys):
            if key not in hist:
                raise KeyError(f"{key!r} not in history {name!r} (has {sorted(hist)})")
            color = f"C{i if len(histories) > 1 else j}"
            epochs = np.arange(1, len(hist[key]) + 1)
            marker = ["o", "s", "^", "v"][j % 4]
            label = " ".join(filter(None, [name, key_labels.get(key, key if len(keys) > 1 else "")]))
            ax.plot(epochs, hist[key], color=color, marker=marker, ms=3, label=f"{label} (training)".strip())
            if f"val_{key}" in hist:
                ax.plot(epochs, hist[f"val_{key}"], color=color, marker=marker, ms=3, ls="--", label=f"{label} (test)".strip())
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel or ", ".join(keys))
    if title:
        ax.set_title(title)
    # under the axes, never over a curve, and the plot keeps the figure's width
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2)
    fig.tight_layout()
    return fig


def reference_lines(ax, lines: Mapping[str, float], fmt: str = ".1f") -> None:
    """Dotted horizontal lines at the heights in ``lines`` ({label: y}), each labelled below its right end
    with its label and its value (formatted with ``fmt``), as yardsticks for the curves of ``ax``."""
    for label, y in lines.items():
        ax.axhline(y, color="0.3", ls=":", lw=2)
        ax.annotate(f"{label}: {y:{fmt}}", (1, y), xycoords=("axes fraction", "data"), xytext=(-4, -3),
                    textcoords="offset points", ha="right", va="top", color="0.2")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence], floatfmt: str = ".2f"):
    """A table for notebooks: an IPython Markdown object (plain text in a static viewer)."""
    from IPython.display import Markdown

    def fmt(v):  # a "|" inside a cell (q(y|x)) would split it: escaped
        return (format(v, floatfmt) if isinstance(v, (float, np.floating)) else str(v)).replace("|", "\\|")

    lines = ["| " + " | ".join(fmt(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return Markdown("\n".join(lines))


def significant(value: float, digits: int = 2) -> str:
    """``value`` rounded to ``digits`` significant digits, written out with thousands separators
    (3,000,000 rather than 3e+06): for tables of ratios that span orders of magnitude."""
    if value == 0 or not np.isfinite(value):
        return f"{value:g}"
    exponent = int(np.floor(np.log10(abs(value))))
    decimals = max(0, digits - 1 - exponent)
    return f"{round(float(value), digits - 1 - exponent):,.{decimals}f}"


def seed_table(results: Mapping[str, Sequence[float]], seeds: Sequence[int], header: str,
               single: Sequence[tuple[str, float]] = ()):
    """Shares over several seeds as a table: one row per model, each seed, the mean and the
    spread (max − min). ``single`` adds rows of one share each (a reference), in the mean column."""
    rows = []
    for name, shares in results.items():
        shares = np.asarray(shares, float)
        if len(shares) != len(seeds):
            raise ValueError(f"results[{name!r}]: {len(shares)} values for {len(seeds)} seeds")
        rows.append([name] + [f"{v:.1%}" for v in shares]
                    + [f"{shares.mean():.1%}", f"{np.ptp(shares):.1%}"])
    rows += [[name] + [""] * len(seeds) + [f"{share:.1%}", ""] for name, share in single]
    return markdown_table([header] + [f"seed {s}" for s in seeds] + ["mean", "spread (max − min)"],
                          rows)


def seed_dots(results: Mapping[str, Sequence[float]], seeds: Sequence[int], xlabel: str,
              title: str | None = None):
    """Shares over several seeds, one row per model: a marker per seed and a bar at the mean,
    in percent. Each row is labeled with its model's name, what follows a colon on a second line
    (``"baseline: classifier, labels only"``): the figure says what each model is."""
    fig, ax = plt.subplots(figsize=(9, 1.0 + 1.1 * len(results)))   # rows tall enough to tell seeds apart on a slide
    for row, (name, shares) in enumerate(results.items()):
        shares = 100 * np.asarray(shares, float)
        if len(shares) != len(seeds):
            raise ValueError(f"results[{name!r}]: {len(shares)} values for {len(seeds)} seeds")
        for k, share in enumerate(shares):
            ax.scatter(share, row, s=60, marker="os^Dv"[k % 5], color=f"C{row}")
        ax.plot([shares.mean()] * 2, [row - 0.3, row + 0.3], color=f"C{row}", lw=2)
    ax.set_yticks(range(len(results)), [name.replace(": ", "\n", 1) for name in results])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    # the legend in grey: a marker and the mean's bar mean the same in every row's colour
    handles = [Line2D([], [], ls="", marker="os^Dv"[k % 5], ms=8, color="0.35", label=f"seed {seed}")
               for k, seed in enumerate(seeds)] + [Line2D([], [], color="0.35", lw=2, label="mean")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig


def paired_by_class(shares: Mapping[str, Sequence[float]], xlabel: str, ylabel: str,
                    title: str | None = None, ylim: tuple[float, float] = (0, 100)):
    """Two models' shares per class, in percent on an axis from ``ylim`` (0 to 100 unless told):
    a marker per model and class, and a grey line joining each class's pair (the gap).
    The keys of ``shares`` are the legend's entries."""
    if len(shares) != 2:
        raise ValueError(f"shares: expected two models, got {len(shares)}")
    first, second = (100 * np.asarray(a, float) for a in shares.values())
    if first.shape != second.shape or first.ndim != 1:
        raise ValueError(f"shares: one value per class for each model, got {first.shape} and {second.shape}")
    fig, ax = plt.subplots(figsize=(10, 4.2))
    _draw_pairs(ax, shares, first, second, xlabel, ylabel, title, ylim)
    fig.tight_layout()
    return fig


def _draw_pairs(ax, shares, first, second, xlabel, ylabel, title, ylim) -> None:
    classes = np.arange(len(first))
    ax.vlines(classes, first, second, color="0.6", lw=2)
    for (name, _), values, marker in zip(shares.items(), (first, second), "o^"):
        ax.scatter(classes, values, s=70, marker=marker, zorder=3, label=name)
    ax.set_xticks(classes)
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="lower left")


def _draw_difference(ax, gap, mark, xlabel, ylabel, title) -> None:
    classes = np.arange(len(gap))
    colors = ["C3" if k == mark else "0.55" for k in classes]
    ax.bar(classes, gap, width=0.6, color=colors, zorder=3)
    ax.axhline(0, color="0.2", lw=1)
    ax.set_xticks(classes)
    ax.margins(y=0.25)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)


def overall_and_by_class(overall: Mapping[str, Sequence[float]], seeds: Sequence[int],
                         by_class: Mapping[str, Sequence[float]], overall_ylabel: str, xlabel: str,
                         ylabel: str, titles: tuple[str, str] = ("", ""), title: str | None = None,
                         overall_ylim: tuple[float, float] | None = None, difference: bool = False,
                         mark: int | None = None, chance: float | None = None):
    """Two models, in percent. Left: each model's overall share, one marker per seed (the seed's
    marker in :func:`seed_dots`, the model's colour), the markers keyed in a legend;
    a model may have run fewer seeds than ``seeds`` (its values are the first seeds'), on the axis range
    ``overall_ylim`` (default: the values' own range, padded). Right: the
    shares per class of one run of each (:func:`paired_by_class`, 0 to 100). The same
    colour stands for a model in both panels; ``titles`` head the two panels.
    ``difference=True`` draws instead, per class, the first model's share minus the second's in
    points, as bars about a line at 0, the class ``mark`` (if given) in its own colour. ``chance``
    (a share, e.g. 0.1 for ten classes) draws a dashed line on the left, labeled "chance"."""
    if len(overall) != 2 or list(overall) != list(by_class):
        raise ValueError(f"overall and by_class: the same two models, got {list(overall)} and {list(by_class)}")
    first, second = (100 * np.asarray(a, float) for a in by_class.values())
    if first.shape != second.shape or first.ndim != 1:
        raise ValueError(f"by_class: one value per class for each model, got {first.shape} and {second.shape}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), width_ratios=(1, 3))
    columns = []
    for k, (name, shares) in enumerate(overall.items()):
        shares = 100 * np.asarray(shares, float).ravel()
        if not 0 < len(shares) <= len(seeds):
            raise ValueError(f"overall[{name!r}]: {len(shares)} values for at most {len(seeds)} seeds")
        for i, share in enumerate(shares):
            # each seed's marker as in seed_dots (circle, square, triangle, ...), the model's colour
            left.scatter([k], [share], s=70, marker="os^Dv"[i % 5], color=f"C{k}", zorder=3)
        columns.append(shares)
    left.set_xticks([0, 1], list(overall))
    left.set_xlim(-0.4, 1.9)
    if overall_ylim is None:
        left.margins(y=0.2)
    else:
        left.set_ylim(*overall_ylim)
    # which marker is which seed: a key of grey markers, clear of the points however close they lie
    most = max(len(shares) for shares in columns)
    keys = [plt.Line2D([], [], marker="os^Dv"[i % 5], color="0.4", linestyle="none", markersize=8,
                       label=f"seed {seeds[i]}") for i in range(most)]
    left.legend(handles=keys, loc="center", frameon=False, fontsize=plt.rcParams["legend.fontsize"])
    if chance is not None:
        left.axhline(100 * chance, color="0.5", linestyle="--", linewidth=1)
        left.annotate("chance", (0.5, 100 * chance), xytext=(0, 4), textcoords="offset points",
                      ha="center", va="bottom", color="0.4", fontsize=plt.rcParams["legend.fontsize"])
    left.set_ylabel(overall_ylabel)
    left.set_title(titles[0])
    if difference:
        _draw_difference(right, first - second, mark, xlabel, ylabel, titles[1])
    else:
        _draw_pairs(right, by_class, first, second, xlabel, ylabel, titles[1], (0, 100))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig

def traversal_codes(center, dims: Sequence[int], values) -> np.ndarray:
    """Codes that sweep one dimension at a time around ``center``: shape [len(dims) · len(values), D].

    Row block r holds ``center`` with coordinate ``dims[r]`` replaced by each of ``values`` in turn
    (a latent traversal: one figure row per dimension).
    """
    center, values = np.asarray(center, np.float32), np.asarray(values, np.float32)
    if center.ndim != 1:
        raise ValueError(f"center: expected one code of shape (D,), got {center.shape}")
    codes = np.repeat(center[None], len(dims) * len(values), axis=0)
    for row, d in enumerate(dims):
        if not 0 <= int(d) < len(center):
            raise ValueError(f"dims: {d} is not a latent dimension in 0..{len(center) - 1}")
        codes[row * len(values):(row + 1) * len(values), int(d)] = values
    return codes


def at_percentiles(values, ranks, among=None) -> np.ndarray:
    """Indices of the items whose ``values`` sit at each of ``ranks`` (shares 0 to 1: 0.5 is the
    median item), counted among the indices ``among`` (a boolean mask or indices; default: all)."""
    values = np.asarray(values)
    pool = np.arange(len(values)) if among is None else np.asarray(among)
    if pool.dtype == bool:
        pool = np.flatnonzero(pool)
    ranks = np.asarray(ranks, float)
    if len(pool) == 0 or ranks.min() < 0 or ranks.max() > 1:
        raise ValueError(f"ranks must lie in [0, 1] and the pool be non-empty ({len(pool)} items)")
    return pool[np.argsort(values[pool])[(ranks * (len(pool) - 1)).astype(int)]]


def traversal_grid(images, values, starts: Sequence[str], row_labels: Sequence[str], title: str,
                   scale: float = 0.42, rule_above: int | None = None):
    """Latent traversals from several codes side by side: ``images`` has shape
    [len(starts), rows, len(values), h, w] (block b, row r: dimension r set to each of ``values``,
    starting from the code named ``starts[b]``); a blank column separates the blocks. Under each block,
    its two end values and, at its middle column, "t = <value>" over "(from <start>)". A rule across
    the grid above row ``rule_above`` sets apart the rows below it (e.g. another model's)."""
    images, values = np.asarray(images, np.float32), np.asarray(values, float)
    if images.ndim != 5 or images.shape[0] != len(starts) or images.shape[2] != len(values):
        raise ValueError(f"images: expected [{len(starts)} starts, rows, {len(values)} values, h, w], "
                         f"got {images.shape}")
    n, rows, k, h, w = images.shape
    blank = np.zeros((rows, 1, h, w), np.float32)
    blocks = [part for b in range(n) for part in (images[b], blank)][:-1]
    fig = image_grid(np.concatenate(blocks, axis=1).reshape(-1, h, w), ncols=n * (k + 1) - 1, scale=scale,
                     row_labels=row_labels, title=title)
    ax = fig.axes[0]

    def number(v):
        return f"{v:g}".replace("-", "−")

    ticks, names = [], []
    for b, start in enumerate(starts):
        for c, name in [(0, number(values[0])), (k // 2, f"t = {number(values[k // 2])}\n(from {start})"),
                        (k - 1, number(values[-1]))]:
            ticks.append((b * (k + 1) + c) * (w + GRID_GAP) + (w - 1) / 2)
            names.append(name)
    ax.set_xticks(ticks, names, fontsize=LABEL_PT)
    ax.tick_params(axis="x", length=0)
    ax.set_xlabel("t: the value given to the row's dimension, the others kept", fontsize=LABEL_PT)
    if rule_above is not None:
        if not 0 < rule_above < rows:
            raise ValueError(f"rule_above must name a row between 1 and {rows - 1}, got {rule_above}")
        ax.axhline(rule_above * (h + GRID_GAP) - GRID_GAP / 2 - 0.5, color="0.45", lw=1.5)
    return fig


def mi_heatmaps(shares: Mapping[str, np.ndarray], factor_names: Sequence[str], vmax: float = 0.35):
    """Side-by-side heatmaps, one per title in ``shares``: each an array [latents, factors] of
    I(z_j; v_k) / H(v_k), latents down and factors across, on one shared colour scale."""
    arrays = {t: np.asarray(a, float) for t, a in shares.items()}
    for t, a in arrays.items():
        if a.ndim != 2 or a.shape[1] != len(factor_names):
            raise ValueError(f"{t}: expected [latents, {len(factor_names)} factors], got {a.shape}")
    fig, axes = plt.subplots(1, len(arrays), figsize=(5.5 * len(arrays), 4.6), sharey=True, squeeze=False)
    for ax, (t, a) in zip(axes[0], arrays.items()):
        image = ax.imshow(a, cmap="Blues", vmin=0, vmax=vmax, aspect="auto")
        ax.grid(False)
        ax.set_xticks(range(len(factor_names)), factor_names, rotation=30)
        ax.set_yticks(range(len(a)), [f"$z_{{{j + 1}}}$" for j in range(len(a))])
        ax.set_title(t)
    fig.colorbar(image, ax=list(axes[0]), label="$I(z_j; v_k)\\,/\\,H(v_k)$")
    return fig


def _log2_beta_axis(ax, betas) -> None:
    ax.axhline(0, color="gray", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xticks(betas, [f"{b:g}" for b in betas])
    ax.set_xlabel("β (β = 1: the plain VAE)")


def tc_sweep(betas: Sequence[float], measured: Mapping[str, np.ndarray], shuffled: Mapping[str, np.ndarray],
             colors: Sequence[str] = ("C0", "C3")):
    """The total correlation over a β sweep, mean ± s.d. over seeds.

    ``measured[kind]`` and ``shuffled[kind]`` hold one TC per β and seed, shape [len(betas), seeds]
    (the control: each dimension shuffled across images). Left: both against β (measured solid,
    shuffled dashed); right: measured − shuffled, taken seed by seed.
    """
    fig, (ax, ax_excess) = plt.subplots(1, 2, figsize=(12.5, 4.8))
    for (kind, tc), color in zip(measured.items(), colors):
        tc, control = np.asarray(tc, float), np.asarray(shuffled[kind], float)
        if tc.shape != control.shape or len(tc) != len(betas):
            raise ValueError(f"{kind}: measured {tc.shape} and shuffled {control.shape} must both be "
                             f"[{len(betas)} betas, seeds]")
        for values, fmt, name in [(tc, "o-", "measured"), (control, "s--", "dimensions shuffled")]:
            ax.errorbar(betas, values.mean(1), yerr=values.std(1, ddof=1), fmt=fmt, color=color,
                        capsize=3, label=f"{kind}: {name}")
        excess = tc - control
        ax_excess.errorbar(betas, excess.mean(1), yerr=excess.std(1, ddof=1), fmt="o-", color=color,
                           capsize=3)
    for a in (ax, ax_excess):
        _log2_beta_axis(a, betas)
    ax.set_ylabel("test TC (nats)")
    ax_excess.set_ylabel("measured − shuffled (nats)")
    ax.set_title("Test TC, measured and shuffled")
    ax_excess.set_title("TC the control does not explain")
    fig.suptitle(f"Mean ± s.d. over {tc.shape[1]} seeds")
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=16)
    fig.tight_layout(rect=(0, 0.15, 1, 1))
    return fig


def mig_vs_reconstruction(betas: Sequence[float], reconstruction: Mapping[str, np.ndarray],
                          mig: Mapping[str, np.ndarray], floor: float, colors: Sequence[str] = ("C0", "C3")):
    """MIG against the reconstruction term over a β sweep: mean ± s.d. over seeds (error bars both
    ways) and each seed as a faint dot. ``reconstruction[kind]`` and ``mig[kind]`` have shape
    [len(betas), seeds], row 0 the shared β = 1 model (the plain VAE); ``floor`` is drawn dotted."""
    fig, ax = plt.subplots(figsize=(9.5, 5.5))
    beta_labels = []
    for (kind, rec), color in zip(reconstruction.items(), colors):
        rec, score = np.asarray(rec, float), np.asarray(mig[kind], float)
        if rec.shape != score.shape or len(rec) != len(betas):
            raise ValueError(f"{kind}: reconstruction {rec.shape} and mig {score.shape} must both be "
                             f"[{len(betas)} betas, seeds]")
        r, m = rec.mean(1), score.mean(1)
        ax.errorbar(r, m, xerr=rec.std(1, ddof=1), yerr=score.std(1, ddof=1), fmt="o-", color=color,
                    capsize=3, label=f"{kind}, β = " + ", ".join(f"{b:g}" for b in betas))
        for b, x, y in zip(betas[1:], r[1:], m[1:]):
            beta_labels.append(ax.annotate(
                f"β={b:g}", (x, y), textcoords="offset points", xytext=(5, 5), color=color,
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8), fontsize=13))
        ax.plot(rec.T, score.T, ".", color=color, alpha=0.35)
    ax.plot(r[0], m[0], "o", color="k", zorder=5)
    ax.annotate(f"β={betas[0]:g}:\nplain VAE", (r[0], m[0]), textcoords="offset points", xytext=(8, -4),
                fontsize=13)
    ax.set_xlim(right=r[0] + 8)
    ax.axhline(floor, color="gray", ls=":", label=f"floor: shuffled codes (highest, {floor:.4f})")
    ax.set_xlabel(r"test reconstruction term $\mathbb{E}_q \log p_\theta(x \mid z)$ (nats / image); "
                  "β grows to the left")
    ax.set_ylabel("MIG (0 to 1)")
    ax.set_title(f"MIG against reconstruction: mean ± s.d. over {rec.shape[1]} seeds (dots: each seed)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=16)
    fig.tight_layout()
    place_labels(ax, beta_labels)
    return fig


def information_bars(values: Mapping[str, float], ceiling: float, ceiling_label: str, xlabel: str,
                     title: str | None = None, colors: Sequence[str] | None = None):
    """Horizontal bars, one per entry of ``values`` ({label: nats}), the first at the top, each with its
    value (2 decimals) written inside its end (beside it where the bar is short), and a dashed vertical line
    at ``ceiling`` (the most there is to know), labelled beside it with ``ceiling_label`` and its value.
    A value below zero (an estimated lower bound can be) runs left of zero."""
    names, widths = list(values), np.asarray(list(values.values()), float)
    if ceiling <= 0 or not np.all(np.isfinite(widths)):
        raise ValueError(f"expected finite bars and a positive ceiling: {dict(values)}, ceiling {ceiling}")
    fig, ax = plt.subplots(figsize=(12, 1.2 + 0.8 * len(names)))
    rows = np.arange(len(names))
    ax.barh(rows, widths, height=0.6, color=colors or [f"C{k}" for k in rows])
    ax.set_yticks(rows, names)
    ax.invert_yaxis()                                        # the first entry on top
    ax.grid(False, axis="y")
    right = 1.4 * max(ceiling, widths.max())
    for row, width in zip(rows, widths):
        inside = width > 0.15 * right                            # room for the label within the bar
        ax.annotate(f"{width:.2f}", (max(width, 0), row), xytext=(-6 if inside else 6, 0), textcoords="offset points",
                    ha="right" if inside else "left", va="center", color="white" if inside else "0.2",
                    fontweight="bold")
    ax.axvline(ceiling, color="0.3", ls="--", lw=2)
    ax.annotate(f"{ceiling_label}\n= {ceiling:.2f}", (ceiling, 0.5), xycoords=("data", "axes fraction"),
                xytext=(6, 0), textcoords="offset points", ha="left", va="center", color="0.2")
    ax.set_xlim(min(0.0, 1.4 * widths.min()), right)
    if widths.min() < 0:
        ax.axvline(0, color="0.3", lw=1)
    ax.set_xlabel(xlabel)
    if title:
        fig.suptitle(title)                                  # centred on the figure, not the axes
    fig.tight_layout()
    return fig


def symlog_axis(ax, linthresh: float = 1.0) -> None:
    """The y-axis linear within ±``linthresh`` (shaded light grey) and logarithmic beyond (matplotlib's
    "symlog"), with plain tick labels (−100, −10, −1, 0, 1, 10) instead of powers of ten."""
    from matplotlib.ticker import FuncFormatter
    ax.set_yscale("symlog", linthresh=linthresh)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.6g}".replace("-", "\u2212")))
    ax.axhspan(-linthresh, linthresh, color="0.93", zorder=0, lw=0)


def errors_against_K_and_D(Ks, errors: Mapping[str, np.ndarray], dims: Sequence[int], toy: Sequence[np.ndarray],
                           titles: Sequence[str], toy_label: str = "q"):
    """Two experiments side by side, each with its legend below. Left: estimate − log p(x) against the
    number of samples K (log x; y linear within ±1 nat, logarithmic beyond) for each proposal in
    ``errors`` (legend label → [repeats, K]): the mean of the repeats as a line, lowest to highest as a
    band. Right (linear y): ``toy[i]``, the errors at points for dimension ``dims[i]``: their mean as a
    line, their 10th–90th percentile as a band."""
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 5.4))
    handles = []
    for (label, error), color in zip(errors.items(), ["C3", "C0", "C2", "C4"]):
        error = np.asarray(error)
        line, = axes[0].plot(Ks, error.mean(axis=0), "o-", color=color)
        band = axes[0].fill_between(Ks, error.min(axis=0), error.max(axis=0), color=color, alpha=0.2)
        handles.append((band, line))
    axes[0].set_xscale("log")
    symlog_axis(axes[0])
    repeats = len(next(iter(errors.values())))
    axes[0].legend(handles, list(errors), title=f"line: mean of {repeats} repeats; band: lowest to highest",
                   loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    axes[0].set_xlabel("number of samples K")
    axes[1].plot(dims, [np.mean(e) for e in toy], "o-", color="C0", label=toy_label + ": mean")
    axes[1].fill_between(dims, *np.percentile(np.asarray(toy), [10, 90], axis=1), color="C0", alpha=0.2,
                         label=toy_label + ": 10th–90th percentile")
    axes[1].set_xlabel("dimension D of z")
    axes[1].set_xticks(dims)
    axes[1].legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    for ax, title in zip(axes, titles):
        ax.set_ylabel("estimate − log p(x), nats")
        ax.set_title(title)
    fig.tight_layout()
    return fig


def proposals_against_K(Ks, means: Mapping[str, np.ndarray], elbo: float, elbo_label: str, title: str,
                        zoom_on: str = "q(z|x)"):
    """log p(x) estimates against the number of samples K (log x) for each proposal in ``means`` (legend
    name → [repeats, K]): the mean of the repeats as a line, lowest to highest as a band, and ``elbo`` as a
    dotted line. Left: every proposal; right: ``zoom_on`` alone, its y-axis starting just below the ELBO."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    colors = dict(zip(means, ["C3", "C0", "C2", "C4"]))
    for ax, names in zip(axes, [list(means), [zoom_on]]):
        for name in names:
            m = np.asarray(means[name])
            ax.plot(Ks, m.mean(axis=0), "o-", color=colors[name], label=f"{name}: mean of {len(m)} repeats")
            ax.fill_between(Ks, m.min(axis=0), m.max(axis=0), color=colors[name], alpha=0.2,
                            label=name + ": lowest to highest")
        ax.axhline(elbo, color="k", ls=":", label=elbo_label)
        ax.set_xscale("log")
        ax.set_xlabel("number of samples K")
        ax.set_ylabel("log p(x) estimate (nats)")
    axes[0].set_title(title)
    axes[1].set_title(f"Zoom on {zoom_on.split('(')[0]}")
    axes[1].set_ylim(bottom=elbo - 0.6)                  # the dotted ELBO line clear of the bottom edge
    axes[0].legend(loc="lower right")
    fig.tight_layout()
    return fig


def posterior_panel(ax, log_density, center, half: float, loc, scale, n: int = 121, image=None,
                    title: str | None = None):
    """A 2-D density against a diagonal Gaussian N(loc, diag scale²), both at 1σ and 2σ.

    Grey: where exp(``log_density``) exceeds e^(−2) (light) and e^(−1/2) (dark) of its peak on an n × n
    grid of half-width ``half`` around ``center``; for a Gaussian density these are the regions inside its
    2σ and 1σ ellipses. Blue: the Gaussian's 1σ and 2σ ellipses. ``log_density`` maps codes [m, 2] to
    log densities [m], up to a constant. ``image``: drawn as an inset in the top left corner.
    """
    u = np.linspace(-half, half, n)
    z1, z2 = center[0] + u, center[1] + u
    z = np.stack(np.meshgrid(z1, z2), axis=-1).reshape(-1, 2).astype(np.float32)
    log_p = np.asarray(log_density(z), dtype=np.float64).reshape(n, n)
    ratio = np.exp(log_p - log_p.max())
    ax.contourf(z1, z2, ratio, levels=[np.exp(-2.0), np.exp(-0.5), 1.0 + 1e-9], colors=["0.78", "0.45"])
    gaussian_ellipses(ax, loc, scale)
    if image is not None:
        inset = ax.inset_axes([0.02, 0.72, 0.26, 0.26])
        inset.imshow(image, cmap="Greys")
        inset.set_xticks([]), inset.set_yticks([])
    if title:
        ax.set_title(title, pad=14)                     # clear of a tick label at the top edge
    ax.set_xlabel("$z_1$"), ax.set_ylabel("$z_2$"), ax.set_aspect("equal")
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(nbins=3))   # a few ticks: labels as wide as "−1.75" stay apart
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    return ax.figure


def gaussian_ellipses(ax, loc, scale, color: str = "C0", ls: str = "-", lw: float = 2):
    """Draws the 1σ and 2σ ellipses of the diagonal Gaussian N(``loc``, diag ``scale``²) on ``ax``."""
    from matplotlib.patches import Ellipse
    for k in (1, 2):
        ax.add_patch(Ellipse(tuple(loc), 2 * k * scale[0], 2 * k * scale[1], fill=False, color=color, ls=ls,
                             lw=lw))
    return ax


def place_labels(ax, labels, gap: float = 5) -> None:
    """Moves each annotation in ``labels`` (offset from its point) to the corner beside the point,
    above or below, right or left, whose box covers the fewest drawn points (sampled every 2 px
    along the lines, error bars and markers of ``ax``) and no label placed before it; ties keep the
    first corner: above right. Call it once the layout is final."""
    renderer = ax.figure.canvas.get_renderer()
    paths = [(line.get_transform().transform(line.get_xydata()), line.get_linestyle() not in ("None", ""))
             for line in ax.get_lines()]
    paths += [(c.get_transform().transform(np.asarray(seg, float)), True)
              for c in ax.collections for seg in getattr(c, "get_segments", lambda: [])()]
    points = []
    for xy, joined in paths:
        points.append(xy)
        for a, b in zip(xy[:-1], xy[1:]) if joined else []:
            steps = int(np.hypot(*(b - a)) // 2) + 1
            points.append(a + np.linspace(0, 1, steps)[:, None] * (b - a))
    points = np.concatenate(points) if points else np.zeros((0, 2))
    inside_axes, placed = ax.get_window_extent(renderer), []
    corners = [(gap, gap, "left", "bottom"), (-gap, gap, "right", "bottom"),
               (gap, -gap, "left", "top"), (-gap, -gap, "right", "top")]
    for label in labels:
        costs = []
        for dx, dy, ha, va in corners:
            label.xyann = (dx, dy)
            label.set_ha(ha), label.set_va(va)
            box = label.get_window_extent(renderer).padded(1)
            covered = np.sum((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                             & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1))
            clash = sum(box.overlaps(other) for other in placed) + (not inside_axes.contains(box.x1, box.y1)
                                                                    or not inside_axes.contains(box.x0, box.y0))
            costs.append((clash, covered))
        dx, dy, ha, va = corners[min(range(len(corners)), key=costs.__getitem__)]
        label.xyann = (dx, dy)
        label.set_ha(ha), label.set_va(va)
        placed.append(label.get_window_extent(renderer))


def plain_log_y(ax) -> None:
    """A log-scale y-axis with major ticks at 1, 2 and 5 times each power of ten, labelled as plain
    numbers with thousands separators (100, 200, 500, 1,000, ...) and unlabelled minor ticks."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def plain_log_x(ax) -> None:
    """A log-scale x-axis with major ticks at 1, 2 and 5 times each power of ten, labelled as plain
    numbers with thousands separators (1, 2, 5, 10, ...) and unlabelled minor ticks."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def slide_fonts(size: float = 18):
    """A context (``with plotting.slide_fonts(): ...``) in which text and legends are ``size`` points,
    for a dense figure read on a slide; the previous settings return when it ends."""
    return plt.rc_context({"font.size": size, "legend.fontsize": size})


def estimator_training(curves: Mapping[str, Sequence[Sequence[float]]], samples: Mapping[str, int],
                       steps_per_epoch: int, budget: float, titles: Sequence[str],
                       notes: Mapping[str, str] | None = None,
                       one_epoch: tuple[str, int, Sequence[float]] | None = None,
                       off_panel: Sequence[str] = (), steps_label: str = "optimizer steps",
                       size: float = 18):
    """Test −ELBO of training runs with different gradient estimators, in two panels: against optimizer
    steps (left, log y) and against decoder evaluations per training image, epochs × S (right, log x).

    ``curves[name]`` holds one array per seed (the value after each epoch), ``samples[name]`` the run's
    samples per image S, ``notes[name]`` a note for its legend entry. ``one_epoch = (name, S, values)``
    adds runs of a single epoch as diamonds, one per seed, the first (seed 0) filled. Curves named in
    ``off_panel`` are left out of the right panel, with a note saying so; a dotted line marks ``budget``
    decoder evaluations there. Text is ``size`` points, for a slide."""
    notes = notes or {}
    colors = dict(zip(curves, ["C0", "C3", "C1", "C2", "C5"]))
    with slide_fonts(size):
        fig, (per_step, per_eval) = plt.subplots(1, 2, figsize=(12.5, 6.2), layout="constrained")
        for (name, runs), style in zip(curves.items(), ["o-", "s-", "^--", "v-.", "x-"]):
            label = f"{name}\n({notes[name]})" if name in notes else name
            for i, run in enumerate(runs):               # one line per seed
                epochs = np.arange(1, len(run) + 1)
                per_step.plot(epochs * steps_per_epoch, run, style, ms=4, color=colors[name],
                              label=label if i == 0 else None)
                if name not in off_panel:
                    per_eval.plot(epochs * samples[name], run, style, ms=4, color=colors[name])
        if one_epoch is not None:
            name, S, values = one_epoch
            for i, v in enumerate(values):
                style = dict(ms=8, color="C4", mfc="C4" if i == 0 else "none", mew=2)
                label = f"{name}\n({len(values)} seeds, 1 epoch; filled: seed 0)" if i == 0 else None
                per_step.plot(steps_per_epoch, v, "D", label=label, **style)
                per_eval.plot(S, v, "D", **style)
        plain_log_y(per_step)
        per_step.set_ylabel("test −ELBO (nats / image;\nlower is better)")
        per_step.set_xlabel(steps_label)
        plain_log_x(per_eval)
        per_eval.axvline(budget, color="k", ls=":", lw=1.5)
        per_eval.text(budget / 1.1, 0.55, "shared\nbudget", transform=per_eval.get_xaxis_transform(),
                      ha="right", va="top")
        per_eval.set_ylim(top=per_eval.get_ylim()[1] + 4)            # room for the note below
        for k, name in enumerate(off_panel):
            per_eval.text(0.97, 0.98 - 0.25 * k, name.replace(", ", ",\n") + ": far above\nthis panel",
                          color=colors[name], ha="right", va="top", transform=per_eval.transAxes)
        per_eval.set_ylabel("test −ELBO (nats / image)")
        per_eval.set_xlabel("decoder evaluations per training\nimage (epochs × S)")
        per_step.set_title(titles[0]), per_eval.set_title(titles[1])
        fig.legend(*per_step.get_legend_handles_labels(), loc="outside lower center", ncol=2)
        fig.canvas.draw()                                # lay the ticks out at this font size
    return fig


def samples_against_steps(curves: Mapping[int, np.ndarray], steps_per_epoch: int, titles: Sequence[str],
                          steps_label: str = "optimizer steps", max_steps: float | None = None):
    """Test −ELBO of runs with S samples per image, ``curves[S]`` of shape [seeds, epochs], against
    optimizer steps (left) and against decoder evaluations per training image, epochs × S (right, log x),
    one line per seed, on a shared y-axis; a run of a single epoch is drawn as diamonds.
    ``max_steps``: if given, the left panel shows only steps up to ``max_steps``."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), sharey=True)
    for (S, runs), color in zip(curves.items(), ["C0", "C2", "C4", "C1", "C5"]):
        runs = np.asarray(runs)
        epochs = np.arange(1, runs.shape[1] + 1)
        label = (f"S = {S}, {len(epochs)} epoch{'s' if len(epochs) > 1 else ''} "
                 f"({len(runs)} seed{'s' if len(runs) > 1 else ''})")
        style = dict(marker="D", ms=9, ls="none", zorder=5) if len(epochs) == 1 else dict(marker="o")
        steps = epochs * steps_per_epoch
        shown = steps <= max_steps if max_steps is not None else np.ones_like(steps, bool)
        for i, run in enumerate(runs):                   # one line per seed
            axes[0].plot(steps[shown], run[shown], color=color, label=label if i == 0 else None,
                         **style)
            axes[1].plot(epochs * S, run, color=color, **style)
        if not shown.all() and shown.any():             # a run the panel cuts short: say where it goes on
            axes[0].annotate(f"→ to {steps[-1]:,} steps", (steps[shown][-1], runs[0][shown][-1]),
                             xytext=(6, 0), textcoords="offset points", va="center", color=color,
                             fontsize=plt.rcParams["legend.fontsize"])
    axes[0].set_xlabel(steps_label)
    if max_steps is not None:
        axes[0].set_xlim(right=max_steps * 1.35)         # room for the note of a run cut short
    plain_log_x(axes[1])
    axes[1].set_xlabel("decoder evaluations per training image (epochs × S)")
    axes[0].set_ylabel("test −ELBO (nats / image;\nlower is better)")
    axes[0].set_title(titles[0]), axes[1].set_title(titles[1])
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=16)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig
