"""Checks and normalisation for values people type, shared by forms and imports."""

from __future__ import annotations

import re

# The UK postcode shapes: outward code (A9, A99, A9A, AA9, AA99, AA9A) then an
# inward code (9AA). GIR 0AA is the one historic exception still in use.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")

# Latitude and longitude that fall within the United Kingdom and its waters.
UK_LATITUDE = (49.8, 60.9)
UK_LONGITUDE = (-8.7, 1.8)


def normalise_postcode(value: str) -> str | None:
    """Return the postcode in its standard form ("ch1 2ab" to "CH1 2AB"), or None."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if compact == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE.match(compact)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"
