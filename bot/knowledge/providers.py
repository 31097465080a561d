"""Finding providers near a ZIP code.

Distances are between ZIP centroids (the `zipcodes` package ships them), which is as precise as a
person texting their ZIP code expects: "about 3 miles away".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import zipcodes

from bot.knowledge.model import Provider

ZIP_PATTERN = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")  # no \b: "邮编10001" has none
EARTH_RADIUS_MILES = 3958.8


@dataclass(frozen=True)
class Match:
    provider: Provider
    miles: float | None  # None for national services


def centroid(zip_code: str) -> tuple[float, float] | None:
    """Latitude and longitude of a US ZIP code, or None when it is not a real ZIP."""
    try:
        found = zipcodes.matching(zip_code)
    except (TypeError, ValueError):
        return None
    return (float(found[0]["lat"]), float(found[0]["long"])) if found else None


def find_zip(text: str) -> str | None:
    """The first real US ZIP code written in `text`."""
    for candidate in ZIP_PATTERN.findall(text):
        if centroid(candidate):
            return candidate
    return None


def miles_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(h))


def search(
    providers: tuple[Provider, ...],
    zip_code: str,
    category: str,
    radius_miles: float,
    language: str | None = None,
) -> tuple[list[Match], list[Match]]:
    """Providers offering `category`: (local ones within the radius, nearest first; national ones).

    With `language`, only local providers whose staff speak it are returned; national directories
    serve everyone.
    """
    origin = centroid(zip_code)
    local: list[Match] = []
    national: list[Match] = []
    for provider in providers:
        if category not in provider.categories:
            continue
        if provider.national:
            national.append(Match(provider, None))
            continue
        if language and language not in provider.languages:
            continue
        place = centroid(provider.location.postal_code) if provider.location else None
        if origin and place:
            distance = miles_between(origin, place)
            if distance <= radius_miles:
                local.append(Match(provider, distance))
    local.sort(key=lambda match: match.miles or 0.0)  # every local match has a distance
    return local, national
