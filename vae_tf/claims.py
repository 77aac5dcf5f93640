"""Claims that keep the prose true: a sentence beside a figure is checked against the numbers it describes.

``claim(holds, statement)`` prints nothing when the comparison holds. When it does not:

- the maintainers' strict re-execution (``VAE_TF_STRICT=1``: the committed full-mode run) stops with
  the statement, since the text beside it would be false;
- the fast setting (small data, few epochs, CI) warns, as it need not show what the full run shows;
- anyone else's run (a lecturer's laptop, a GPU: other numerics) prints "this run differs from the
  text: ..." and goes on.
"""
from __future__ import annotations

import sys
import warnings

from vae_tf import config


class ClaimError(AssertionError):
    """A statement a notebook makes about its own results no longer holds."""


def claim(holds, statement: str) -> None:
    """Check ``holds`` (a comparison of the numbers shown) for ``statement`` (what the text says)."""
    if bool(holds):
        return
    if config.is_fast():
        warnings.warn(f"not shown in the fast setting: {statement}", RuntimeWarning, stacklevel=2)
    elif config.is_strict():
        raise ClaimError(f"the notebook says '{statement}', but its results no longer show it")
    else:
        print(f"this run differs from the text: {statement}", file=sys.stderr, flush=True)
