"""Claims that check themselves: a sentence beside a figure is tested against the numbers it describes.

``claim(holds, statement)`` prints ``✔ statement`` when the comparison holds. When it does not, a
full-mode run (the committed notebooks) fails with the statement, since the text beside it would
be false; the fast setting (small data, few epochs) only warns, as it need not show what the full
run shows.
"""
from __future__ import annotations

import warnings

from vae_tf import config


class ClaimError(AssertionError):
    """A statement a notebook makes about its own results no longer holds."""


def claim(holds, statement: str) -> None:
    """Check ``holds`` (a comparison of the numbers shown) for ``statement`` (what the text says)."""
    if bool(holds):
        print(f"✔ {statement}")
    elif config.is_fast():
        warnings.warn(f"not shown in the fast setting: {statement}", RuntimeWarning, stacklevel=2)
    else:
        raise ClaimError(f"the notebook says '{statement}', but its results no longer show it")
