"""Interactive latent explorer: move z with sliders and watch the decoded image change.

For a :class:`~vae_tf.VAE` the image is the decoder's mean E[x | z] = sigmoid(η_θ(z)); for the
semi-supervised model a digit selector picks y and the sliders move the style z, showing
E[x | y, z]. The explorer is displayed as an ipywidgets panel *and* a static figure of the
same thing in one output (each slider's dimension traversed from −span to +span, the others
held fixed): a live Jupyter front end shows the panel, a static viewer (GitHub, nbviewer, a
notebook executed by nbval) shows the figure. Without ipywidgets only the figure is shown.
"""
from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from vae_tf.plotting import image_grid, traversal_codes

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _png(image: np.ndarray, zoom: int = 6) -> bytes:
    """A black-on-white PNG of one image in [0, 1], each pixel ``zoom`` × ``zoom``."""
    big = np.kron(np.clip(image, 0, 1), np.ones((zoom, zoom)))
    buf = io.BytesIO()
    plt.imsave(buf, big, cmap="gray_r", vmin=0, vmax=1, format="png")
    return buf.getvalue()


class LatentExplorer:
    """Sliders on chosen latent dimensions (and a digit selector for labelled models).

    ``dims``: the latent dimensions that get a slider (default: the first min(D, 6)); ``center``:
    the value of z where the other dimensions stay (default 0, the prior mean); ``span``: each
    slider runs over [−span, span]. ``image()`` decodes the current setting; ``figure()`` is the
    static traversal; ``show()`` displays both.
    """

    def __init__(self, model, dims: Sequence[int] | None = None, center=None, span: float = 3.0,
                 steps: int = 9, digit: int | None = None):
        self.model = model
        self.labelled = model.num_classes is not None   # p(x | y, z): a digit selector as well
        self.latent_dim = int(model.latent_dim)
        if model.event_shape is None:
            raise ValueError("LatentExplorer: the model is not built yet; train it (or call it on images) first")
        self.dims = list(range(min(self.latent_dim, 6))) if dims is None else [int(d) for d in dims]
        bad = [d for d in self.dims if not 0 <= d < self.latent_dim]
        if not self.dims or bad:
            raise ValueError(f"dims={list(dims or [])}: expected latent dimensions in 0..{self.latent_dim - 1}")
        self.center = np.zeros(self.latent_dim, np.float32) if center is None else np.asarray(center, np.float32)
        if self.center.shape != (self.latent_dim,):
            raise ValueError(f"center: expected shape ({self.latent_dim},), got {self.center.shape}")
        if span <= 0 or steps < 2:
            raise ValueError(f"span={span} must be positive and steps={steps} at least 2")
        self.span, self.steps = float(span), int(steps)
        if digit is not None and not self.labelled:
            raise ValueError("digit: only the semi-supervised model has a label to select")
        num_classes = model.num_classes or 0
        if digit is not None and not 0 <= int(digit) < num_classes:
            raise ValueError(f"digit={digit}: expected 0..{num_classes - 1}")
        self.z = self.center.copy()
        self.digit = (0 if digit is None else int(digit)) if self.labelled else None
        self.widget = None

    # -- decoding -----------------------------------------------------------------
    def decode(self, z, digits=None) -> np.ndarray:
        """Decoded mean images for a batch of z (and digits, for labelled models)."""
        z = np.asarray(z, np.float32).reshape(-1, self.latent_dim)
        if self.labelled:
            digits = np.broadcast_to(np.asarray(self.digit if digits is None else digits), (len(z),))
            return self.model.decode(z, digits).mean().numpy()
        return self.model.decode(z).mean().numpy()

    def image(self) -> np.ndarray:
        """The image for the current slider (and digit) setting."""
        return self.decode(self.z[None])[0]

    def set(self, dim: int | None = None, value: float | None = None, digit: int | None = None) -> np.ndarray:
        """Move one slider (and/or the digit) and return the new image; the widget follows."""
        if dim is not None:
            self.z[int(dim)] = float(value)
        if digit is not None:
            self.digit = int(digit)
        if self.widget is not None:
            self._sync_widget()
        return self.image()

    # -- the static figure ---------------------------------------------------------
    def figure(self, title: str | None = None):
        """The static version: one row per slider (VAE), or one row per digit for the first slider (M2)."""
        values = np.linspace(-self.span, self.span, self.steps)
        if self.labelled:
            codes = traversal_codes(self.center, self.dims[:1], values)
            num_classes = self.model.num_classes
            images = np.concatenate([self.decode(codes, np.full(self.steps, y)) for y in range(num_classes)])
            labels = [f"y = {y}" for y in range(num_classes)]
            low = f"{-self.span:g}".replace("-", "−")  # a minus sign, not a hyphen
            title = title or f"every digit $y$, style $z_{{{self.dims[0] + 1}}}$ from {low} to {self.span:g}"
        else:
            images = self.decode(traversal_codes(self.center, self.dims, values))
            labels = [f"$z_{{{d + 1}}}$" for d in self.dims]  # the lecture counts from 1
            title = title or f"each slider's $z_d$ from {-self.span:g} to {self.span:g}, the others fixed"
        # the first row's titles mark the swept values at both ends and in the middle, large enough to read
        marked = {0, self.steps // 2, self.steps - 1}
        titles = [f"{v:g}".replace("-", "−") if k in marked else "" for k, v in enumerate(values)]
        titles += [""] * (len(images) - self.steps)
        return image_grid(images, ncols=self.steps, titles=titles, row_labels=labels, title=title,
                          scale=0.6)  # labels stay legible

    # -- the live panel ------------------------------------------------------------
    def _build_widget(self):
        import ipywidgets as w

        self._sliders = [w.FloatSlider(value=float(self.z[d]), min=-self.span, max=self.span, step=0.05,
                                       description=f"z_{d + 1}", continuous_update=True) for d in self.dims]
        self._picture = w.Image(value=_png(self.image()), format="png", width=168, height=168)
        controls = list(self._sliders)
        if self.labelled:
            self._digit = w.ToggleButtons(options=list(range(self.model.num_classes)), value=self.digit, description="digit y",
                                          style={"button_width": "28px"})
            self._digit.observe(lambda change: self.set(digit=change["new"]), names="value")
            controls.insert(0, self._digit)
        for d, slider in zip(self.dims, self._sliders):
            slider.observe(lambda change, d=d: self.set(d, change["new"]), names="value")
        self.widget = w.HBox([self._picture, w.VBox(controls)])
        return self.widget

    def _sync_widget(self):
        for d, slider in zip(self.dims, self._sliders):
            if slider.value != float(self.z[d]):
                slider.value = float(self.z[d])
        if self.labelled and self._digit.value != self.digit:
            self._digit.value = self.digit
        self._picture.value = _png(self.image())

    def show(self, title: str | None = None, interactive: bool = True):
        """Display the panel with the static figure as its fallback; returns the figure."""
        from IPython.display import display

        fig = self.figure(title)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        plt.close(fig)
        bundle = {"image/png": base64.b64encode(buf.getvalue()).decode(),
                  "text/plain": f"<latent explorer: sliders on z_{self.dims}{', digit selector' if self.labelled else ''}>"}
        widget = None
        if interactive:
            try:
                widget = self._build_widget()
            except ImportError:
                widget = None
        if widget is not None:
            bundle[_WIDGET_MIME] = {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}
        display(bundle, raw=True)
        return fig


def latent_explorer(model, dims=None, center=None, span: float = 3.0, steps: int = 9, digit=None,
                    title: str | None = None, interactive: bool = True) -> LatentExplorer:
    """Build a :class:`LatentExplorer` for ``model`` and display it (live panel + static figure)."""
    explorer = LatentExplorer(model, dims, center, span, steps, digit)
    explorer.show(title, interactive)
    return explorer
