"""Addresses for templates, built once.

A page draws dozens of links (the menu alone has up to fifteen, a roll call
one form per person) and Flask's url_for builds each through the URL map,
about 10 µs apiece. An endpoint with the same values always has the same
address in an application mounted at one place, and this application has no
url_defaults or relative endpoints that would make it depend on the request,
so the address is remembered per mount point (the request's script root).
"""

from functools import lru_cache

from flask import request, url_for

# Options that make the address depend on more than the values: left to Flask.
_UNCACHED_OPTIONS = ("_external", "_scheme")


def template_url_for(endpoint: str, **values) -> str:
    if any(option in values for option in _UNCACHED_OPTIONS):
        return url_for(endpoint, **values)
    try:
        # In the order given (the query string keeps it); the type is part of
        # the key: True == 1 as keys, but not as values.
        return _address(request.script_root, endpoint,
                        tuple((name, type(value), value) for name, value in values.items()))
    except TypeError:  # a value that cannot be a key (a list): build it afresh
        return url_for(endpoint, **values)


@lru_cache(maxsize=16384)
def _address(_script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **{name: value for name, _type, value in values})
