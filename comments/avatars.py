"""Avatars drawn by the service: an identicon for each avatar seed, as SVG.

A guest's avatar is drawn from their seed (``identity.avatar_hash``, 16 hex
digits, keyed so it can't be turned back into an email address) and nothing
else: a symmetric 5 by 5 grid of squares in a colour taken from the seed, on a
pale tint of it. The same seed always gives the same bytes, so the answer can
be cached for good; no request ever goes to anyone else (no Gravatar).
"""

from __future__ import annotations

import colorsys
import re

from comments import errors

SEED = re.compile(r"[0-9a-f]{16}")
_SIZE = 5  # squares per side; the left three columns are mirrored to the right
_HALF = (_SIZE + 1) // 2


def check_seed(seed: str) -> int:
    """Return the seed as a number, or raise NotFound for anything but 16 hex digits."""
    if not SEED.fullmatch(seed):
        raise errors.NotFound("There is no avatar by that name; a seed is 16 hex digits.")
    return int(seed, 16)


def _colour(hue: float, saturation: float, lightness: float) -> str:
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    return "#{:02x}{:02x}{:02x}".format(*(round(part * 255) for part in (red, green, blue)))


def identicon(seed: str) -> bytes:
    """Return the SVG identicon of ``seed`` (raises NotFound when it is not a seed)."""
    bits = check_seed(seed)
    cells = bits & (2 ** (_SIZE * _HALF) - 1) or 1 << (_SIZE * _HALF // 2)  # never empty
    hue = ((bits >> 16) % 360) / 360
    # A mid-dark ink on a pale ground of the same hue: it reads in light and dark themes.
    ink, ground = _colour(hue, 0.55, 0.38), _colour(hue, 0.35, 0.93)
    squares = []
    for row in range(_SIZE):
        for column in range(_HALF):
            if cells >> (row * _HALF + column) & 1:
                for x in sorted({column, _SIZE - 1 - column}):
                    squares.append(f"M{x} {row}h1v1h-1z")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" width="48" '
        'height="48" shape-rendering="crispEdges">'
        f'<rect x="-0.5" y="-0.5" width="6" height="6" fill="{ground}"/>'
        f'<path fill="{ink}" d="{"".join(squares)}"/></svg>'
    ).encode()
