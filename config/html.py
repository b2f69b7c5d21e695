"""HTML written in Python, for the few components a page repeats many times (the listing's
widgets, project cards, progress bars): the same markup a template would write, at a fraction
of the template engine's cost per value."""

import html

from django.utils.functional import Promise


def escaped(value) -> str:
    """conditional_escape(value) as a plain str: safe strings (and anything with __html__) as
    they are, the rest escaped. Without conditional_escape's wrapper for lazy arguments, which
    costs more than the escaping of a short value."""
    if isinstance(value, Promise):
        value = str(value)
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))
