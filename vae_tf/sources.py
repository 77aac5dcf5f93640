"""The package's own code on the page: a notebook shows the function it teaches beside its equation.

``show_source(VAE.compute_terms)`` displays that method's source, as it runs, syntax-highlighted,
so the notebook shows the one definition instead of a copy that could drift from it.
"""
from __future__ import annotations

import inspect
import textwrap


def source_of(obj) -> str:
    """The source of a function, method or class, dedented."""
    try:
        return textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError) as err:
        raise TypeError(f"show_source: no source for {obj!r} ({err})") from err


def show_source(obj):
    """Display the source of ``obj`` as a highlighted Python block (plain text outside a notebook)."""
    text = source_of(obj)
    try:
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython comes with the notebooks
        print(text)
        return None
    display(Markdown(f"```python\n{text}```"))
    return None
