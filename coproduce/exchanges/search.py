"""Listing search with ranking, the same on SQLite and PostgreSQL.

How it works (docs/exchanges.md says the same for deployers):

1. The database finds *candidates*: open listings in the community, with the category and
   offer/request filters applied, whose text shares a trigram with the query.
   - PostgreSQL: ``search_text LIKE '%gar%' OR …`` served by a GIN ``gin_trgm_ops`` index
     (pg_trgm), OR an English full-text match (``to_tsvector @@ websearch_to_tsquery``, a GIN
     index) so that stemmed forms ("mending" → "mend") are found too.
   - SQLite: the FTS5 table with the ``trigram`` tokenizer, ``MATCH '"gar" OR "ard" …'``.
   At most ``CANDIDATES`` of them, newest first.
2. Python scores each candidate the way pg_trgm does: for each word of the query, the best
   trigram similarity with a word of the listing (1.0 for a word it begins), words in the title
   counting a quarter more. A listing matches when the average reaches ``THRESHOLD``; so
   "gardning" finds "gardening" (similarity 0.58) on both databases.
3. Availability and distance filters, then the order: relevance, then distance from the
   searcher's approximate location, then newest. Pages are cut from that list.
One query for the candidates (with owner, profile and category joined) whatever the data size.

Privacy (docs/exchanges.md, "Search and privacy"): the search text holds only what every member
may see (an owner's skills only if shown to members); the availability and distance filters use
an owner's free times and location only if the searcher may see that part of the profile (the
caller passes ``owner_parts``, the communities app's one selector). Distances are worked out
between coarse areas (``area_of``), never between stored locations, and are shown, filtered and
sorted as the same whole number of kilometres, at least ``MIN_WITHIN_KM``: moving your own
location about and searching again learns nothing finer than the area the page's "about 4 km
away" already implies.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from coproduce.communities.models import Membership
from coproduce.exchanges.models import Listing
from coproduce.exchanges.search_index import FTS_TABLE

CANDIDATES = 500
THRESHOLD = 0.45
TITLE_WEIGHT = 1.25
MAX_TERMS = 8
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Lower case without accents, so "Café" and "cafe" are the same word everywhere."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def query_terms(query: str) -> list[str]:
    terms: list[str] = []
    for word in words(query):
        if len(word) >= 2 and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: padded with two spaces before and one after."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb)


def term_score(term: str, document_words: Iterable[str]) -> float:
    best = 0.0
    for word in document_words:
        if word.startswith(term):
            return 1.0
        best = max(best, similarity(term, word))
    return best


def relevance(terms: Sequence[str], *, title: str, body: str) -> float:
    """0 … 1.25: how well a listing answers the query (no terms: everything is 1.0)."""
    if not terms:
        return 1.0
    title_words = set(words(title))
    body_words = set(words(body)) | title_words
    total = 0.0
    for term in terms:
        in_title = term_score(term, title_words)
        anywhere = term_score(term, body_words)
        score = max(in_title * TITLE_WEIGHT, anywhere)
        total += score if anywhere >= THRESHOLD else 0.0
    return total / len(terms)


def _inner_trigrams(terms: Sequence[str]) -> list[str]:
    found: list[str] = []
    for term in terms:
        for i in range(len(term) - 2):
            trigram = term[i : i + 3]
            if trigram not in found:
                found.append(trigram)
    return found


def _fts_hit(query: str) -> RawSQL:
    return RawSQL(
        "to_tsvector('english'::regconfig, exchanges_listing.search_text) "
        "@@ websearch_to_tsquery('english'::regconfig, %s)",
        [normalise(query)],
        output_field=BooleanField(),
    )


def _candidates(listings: QuerySet[Listing], query: str, terms: Sequence[str]) -> QuerySet[Listing]:
    condition = Q()
    for term in terms:
        if len(term) < 3:
            condition |= Q(search_text__contains=term)
    grams = _inner_trigrams(terms)
    if connection.vendor == "sqlite":
        if grams:
            expression = " OR ".join(f'"{gram}"' for gram in grams)
            # The table name is a module constant; the query goes in as a parameter.
            condition |= Q(
                pk__in=RawSQL(  # noqa: S611 - constant SQL, the query is a parameter
                    f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
                    [expression],
                )
            )
        return listings.filter(condition)
    for gram in grams:
        condition |= Q(search_text__contains=gram)
    return listings.annotate(is_fts_hit=_fts_hit(query)).filter(condition | Q(is_fts_hit=True))


@dataclass
class SearchHit:
    listing: Listing
    relevance: float
    distance_km: int | None  # as shown: whole km between areas, at least MIN_WITHIN_KM


# The areas distances are measured between: about 2.2 km north to south and, in Britain, 2.1 km
# east to west. Stored locations are rounded to 0.01° (about 1 km); areas are coarser still.
AREA_LATITUDE = Decimal("0.02")
AREA_LONGITUDE = Decimal("0.03")
# The smallest distance shown or searched for: "within 3 km". A smaller within_km (0 included)
# is taken as this.
MIN_WITHIN_KM = 3


def _area_centre(value: Decimal, size: Decimal) -> Decimal:
    return ((value / size).to_integral_value(rounding=ROUND_FLOOR) + Decimal("0.5")) * size


def area_of(
    latitude: Decimal | None, longitude: Decimal | None
) -> tuple[Decimal, Decimal] | tuple[None, None]:
    """The centre of the area a location falls in: everyone in one area is at one place."""
    if latitude is None or longitude is None:
        return None, None
    return _area_centre(Decimal(latitude), AREA_LATITUDE), _area_centre(
        Decimal(longitude), AREA_LONGITUDE
    )


def shown_km(distance: float) -> int:
    """Whole kilometres, rounded up, and never under MIN_WITHIN_KM."""
    return max(MIN_WITHIN_KM, math.ceil(distance - 1e-9))


def within_limit(within_km: int | None) -> int | None:
    return None if within_km is None else max(MIN_WITHIN_KM, within_km)


def distance_km(
    lat1: Decimal | None, lon1: Decimal | None, lat2: Decimal | None, lon2: Decimal | None
) -> float | None:
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
        return None
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


def rank(
    listings: QuerySet[Listing],
    *,
    query: str,
    origin: tuple[Decimal | None, Decimal | None],
    owner_parts: Callable[[Membership], frozenset[str]],
    available: Sequence[str] = (),
    within_km: int | None = None,
) -> list[SearchHit]:
    """Filter ``listings`` by the query and rank them (see the module docstring).
    ``owner_parts(owner)`` says which parts of the owner's profile the searcher may see."""
    terms = query_terms(query)
    within = within_limit(within_km)
    here = area_of(*origin)
    if terms:
        listings = _candidates(listings, query, terms)
    rows = list(listings.order_by("-created_at", "-pk")[:CANDIDATES])
    hits: list[SearchHit] = []
    wanted = set(available)
    for listing in rows:
        score = relevance(
            terms,
            title=listing.title,
            body=listing.search_text,
        )
        if getattr(listing, "is_fts_hit", False):
            score = max(score, 1.0)
        if terms and score < THRESHOLD:
            continue
        profile = listing.owner.profile
        parts = owner_parts(listing.owner) if wanted or here[0] is not None else frozenset()
        if wanted and ("availability" not in parts or not wanted & set(profile.availability or [])):
            continue
        distance = None
        if "neighbourhood" in parts:
            there = area_of(profile.approx_latitude, profile.approx_longitude)
            between = distance_km(here[0], here[1], there[0], there[1])
            distance = None if between is None else shown_km(between)
        if within is not None and (distance is None or distance > within):
            continue
        hits.append(SearchHit(listing=listing, relevance=round(score, 2), distance_km=distance))
    hits.sort(
        key=lambda hit: (
            -hit.relevance,
            hit.distance_km if hit.distance_km is not None else math.inf,
            -hit.listing.created_at.timestamp(),
            -hit.listing.pk,
        )
    )
    return hits
