"""Bring comments in from other systems, and our own exports back.

One module per format (``disqus``, ``wordpress``, ``isso``, ``json_format``);
each has ``parse(path)``, which yields :mod:`records` one at a time, and
``load(path, options)``, which stores them through :mod:`loading`
(idempotent, restartable, counted and audited). ``count(path)`` reads the
whole file once without storing anything: the total for a progress bar, and
the check that the file is readable before anything is stored.
"""

from __future__ import annotations

from types import ModuleType

from comments import errors


def format_module(name: str) -> ModuleType:
    """Return the importer of format ``name`` (disqus, wordpress, isso, json)."""
    from comments.importers import disqus, isso, json_format, wordpress

    modules = {"disqus": disqus, "wordpress": wordpress, "isso": isso, "json": json_format}
    if name not in modules:
        raise errors.ValidationFailed(
            f"Unknown import format {name!r}.",
            errors={"format": "must be one of " + ", ".join(modules)},
        )
    return modules[name]


FORMATS = ("disqus", "wordpress", "isso", "json")
