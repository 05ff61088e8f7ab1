"""Reads for search: metering points by MPAN, postcode, address, UPRN or serial, the
detail, the audit.

Every search is one set-based query on an index: the MPAN core is the primary key,
postcodes use registry_mp_postcode_idx (postcode key, address order, MPAN core) and
serials registry_meter_serial_idx, reached through a semi-join so that a point with
several matching meters is listed once without DISTINCT; UPRNs and addresses go through
registry.models.AddressWords (its UPRN index; the GIN index over its words on
PostgreSQL, a scan on SQLite).
"""

import difflib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Expression,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Organisation, OrganisationApiKey, User
from core.compiled import CompiledQuery, instances, rows_together
from core.replicas import read_alias
from registry.addresses import ADDRESS_COLUMNS, ADDRESS_WORDS_SQL, address_text
from registry.models import AddressWords, Meter, MeteringPoint, RelatedMpan
from search.models import SearchAction, SearchEvent
from search.parsing import SearchKind, SearchQuery

UK = ZoneInfo("Europe/London")
# Address lines that may hold a building number or name.
BUILDING_FIELDS = ("address_line_1", "address_line_2", "address_line_3", "address_line_4")


def meters_in_order() -> QuerySet[Meter]:
    # Meters still fitted first, then the newest installation.
    return Meter.objects.order_by(
        F("removal_date").asc(nulls_first=True),
        F("installation_date").desc(nulls_last=True),
        "serial_key",
    )


# What a results row shows (search pages, the API's list): a page loads only these.
SUMMARY_FIELDS = (
    "mpan_core",
    *MeteringPoint.ADDRESS_FIELDS,
    "postcode",
    "supplier_mpid",
    "energisation_status",
    "energisation_date",
)


def metering_points_search(query: SearchQuery, *, page: bool = False) -> QuerySet[MeteringPoint]:
    """Every metering point the query finds, in a stable order, with their meters.

    `page=True` is for a page of results: only the `SUMMARY_FIELDS` are loaded and the
    meters are left to `meters_attach` (cheaper than prefetching, once the page is cut).
    A streaming replica answers when there is one (core/replicas.py).
    """
    points = MeteringPoint.objects.using(read_alias())
    if page:
        points = points.only(*SUMMARY_FIELDS)
    else:
        points = points.prefetch_related(Prefetch("meters", meters_in_order()))
    if query.kind is SearchKind.MPAN:
        return points.filter(pk=query.key)
    if query.kind is SearchKind.UPRN:
        # Through the address words' UPRN index, kept up after each refresh like the words.
        holders = AddressWords.objects.filter(uprn=query.key).values("mpan_core")
        return points.filter(pk__in=holders).order_by("mpan_core")
    if query.kind is SearchKind.ADDRESS:
        return address_search(points, query)
    if query.kind is SearchKind.POSTCODE:
        points = points.filter(postcode_key=query.key)
        if query.building:
            points = points.filter(_building_matches(query.building))
        # The postcode index's own order: paging needs no sort.
        return points.order_by("address_sort_key", "mpan_core")
    serial_matches = Meter.objects.filter(serial_key=query.key).values("metering_point_id")
    return points.filter(pk__in=serial_matches).order_by("mpan_core")


def page_cut(points: QuerySet[MeteringPoint], bottom: int, top: int) -> QuerySet[MeteringPoint]:
    """Rows `bottom` to `top` of a search, cut on the index alone, then joined to their
    rows by primary key: `WHERE mpan_core IN (SELECT mpan_core ... OFFSET n LIMIT 50)`.

    A postcode's page is cut by an index-only scan of the postcode index, whose entries
    hold the MPAN core; slicing the rows themselves made PostgreSQL fetch (or sort) every
    row before the page: 8 ms for the last page of a postcode of 8,000 points, 1.5 ms
    this way.
    """
    if bottom == 0 or points.query.is_sliced:
        # The first page: an ordered index scan stops after `top` rows anyway. An
        # address search is ranked and capped (sliced): its pages are cut as they are.
        return points[bottom:top]
    cores = points.values("pk")[bottom:top]
    order = points.query.order_by or MeteringPoint._meta.ordering
    rows = MeteringPoint.objects.using(points.db).only(*SUMMARY_FIELDS)
    return rows.filter(pk__in=cores).order_by(*order)


class SearchPaginator(Paginator):
    """Django's paginator, with pages cut by `page_cut`."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(page_cut(self.object_list, bottom, top), number, self)


def meters_attach(points: Sequence[MeteringPoint]) -> None:
    """Load the meters of a page of points in one query and put them where
    `point.meters.all()` finds them, as prefetch_related does, without the queryset it
    clones and filters for every point (most of a results page's Python time)."""
    by_core: dict[str, list[Meter]] = {point.mpan_core: [] for point in points}
    if by_core:
        meters = meters_in_order().using(points[0]._state.db)  # where the points were read
        for meter in meters.filter(metering_point_id__in=list(by_core)):
            by_core[meter.metering_point_id].append(meter)
    cache_name = MeteringPoint.meters.rel.cache_name
    for point in points:
        meters = QuerySet(model=Meter)
        meters._result_cache = by_core[point.mpan_core]
        meters._prefetch_done = True
        point._prefetched_objects_cache = {cache_name: meters}


def _building_matches(building: str) -> Q:
    """A line that is the building ("10", "Rose Cottage") or starts with it ("10 High
    Street", "10, High Street"), so "10" finds neither "110 ..." nor "Flat 10"."""
    matches = Q()
    for field in BUILDING_FIELDS:
        matches |= (
            Q(**{f"{field}__iexact": building})
            | Q(**{f"{field}__istartswith": f"{building} "})
            | Q(**{f"{field}__istartswith": f"{building},"})
        )
    return matches


# --- Address search ----------------------------------------------------------------------

# A misspelt word ("Hihg Street") is taken for an address word this similar or more
# (difflib's ratio: 2 x matching characters / both lengths).
MISSPELLING_RATIO = 0.7
# The most candidates a search with a misspelt word scores (in Python).
MISSPELLING_CANDIDATES = 1000


_WORDS_OF_POINT = "SELECT w.mpan_core FROM registry_addresswords w WHERE {condition}"
_TEXT_OF_POINT = (
    '(SELECT w.text FROM registry_addresswords w WHERE w.mpan_core = "registry_meteringpoint".'
    '"mpan_core")'
)


class AddressHasWords(Expression):
    """True where the address has every word of `words` and every word but one of
    `spare` (registry.models.AddressWords). PostgreSQL: its GIN index; SQLite: LIKE
    over the words between spaces."""

    output_field = BooleanField()

    def __init__(self, words, *, spare=()):
        super().__init__()
        self.words, self.spare = list(words), list(spare)

    def _alternatives(self) -> list[list[str]]:
        if len(self.spare) == 1:  # the one spare word may be the misspelt one
            return [self.words]
        if not self.spare:
            return [self.words]
        return [self.words + self.spare[:i] + self.spare[i + 1 :] for i in range(len(self.spare))]

    def as_sql(self, compiler, connection):  # SQLite
        clauses, params = [], []
        for words in self._alternatives():
            clauses.append(" AND ".join(["w.text LIKE %s"] * len(words)) or "1 = 1")
            params += [f"% {word} %" for word in words]
        condition = " OR ".join(f"({clause})" for clause in clauses)
        return self._in(_WORDS_OF_POINT.format(condition=condition)), params

    @staticmethod
    def _in(subquery: str) -> str:
        return f'("registry_meteringpoint"."mpan_core" IN ({subquery}))'

    def as_postgresql(self, compiler, connection):
        # Words are letters and digits only (registry.addresses): safe in a tsquery. A
        # phrase ("FLAT 3") is its words side by side (<->).
        query = " | ".join(
            "("
            + " & ".join(
                " <-> ".join(f"'{part}'" for part in word.lower().split()) for word in words
            )
            + ")"
            for words in self._alternatives()
        )
        condition = (
            f"{ADDRESS_WORDS_SQL.format(text='w.text')} @@ to_tsquery('simple'::regconfig, %s)"
        )
        return self._in(_WORDS_OF_POINT.format(condition=condition)), [query]


class AddressPairs(Expression):
    """How many pairs of the query's words stand next to each other in the address, in
    the query's order: "Flat 3, 12 High St" ranks Flat 3 at 12 above Flat 12 at 3."""

    output_field = IntegerField()

    def __init__(self, words):
        super().__init__()
        self.pairs = [f"% {a} {b} %" for a, b in itertools.pairwise(words)]

    def _sql(self, text: str):
        if not self.pairs:
            return "0", []
        return "(" + " + ".join(
            [f"CASE WHEN {text} LIKE %s THEN 1 ELSE 0 END"] * len(self.pairs)
        ) + ")", list(self.pairs)

    def as_sql(self, compiler, connection):
        return self._sql(_TEXT_OF_POINT)


def address_search(points: QuerySet[MeteringPoint], query: SearchQuery) -> QuerySet:
    """Points whose address has every word of the query, best first (most of the query's
    word pairs side by side, then address order), at most SEARCH_ADDRESS_MAX_RESULTS.

    When no address has every word, one word may be misspelt: the points with every
    word but one are scored in Python (difflib) and those with a close enough word for
    the missing one are listed, closest first. Numbers are never taken as misspelt.
    """
    cap = settings.SEARCH_ADDRESS_MAX_RESULTS
    if query.key:
        points = points.filter(postcode_key=query.key)
    exact = points.filter(AddressHasWords(query.words))
    if exact.exists():
        return exact.annotate(pairs=AddressPairs(query.words)).order_by(
            "-pairs", "postcode_key", "address_sort_key", "mpan_core"
        )[:cap]
    cores = _misspelt_address_cores(points, query.words, anchored=bool(query.key))[:cap]
    if not cores:
        return points.none()
    order = Case(
        *(When(pk=core, then=Value(n)) for n, core in enumerate(cores)),
        output_field=IntegerField(),
    )
    return points.filter(pk__in=cores).annotate(rank=order).order_by("rank")[:cap]


def _misspelt_address_cores(
    points: QuerySet[MeteringPoint], words: tuple[str, ...], *, anchored: bool
) -> list[str]:
    # Numbers and flats ("FLAT 3") must match as they are.
    numbers = [word for word in words if any(char.isdigit() for char in word)]
    names = [word for word in words if word not in numbers]
    if not names or (len(names) + len(numbers) < 2 and not anchored):
        return []
    candidates = (
        points.filter(AddressHasWords(numbers, spare=names))
        .order_by("postcode_key", "address_sort_key", "mpan_core")
        .values_list("mpan_core", *ADDRESS_COLUMNS)[:MISSPELLING_CANDIDATES]
    )
    scored = []
    closeness: dict[tuple[str, str], float] = {}  # candidates share most of their words

    def ratio(word: str, other: str) -> float:
        if (word, other) not in closeness:
            closeness[word, other] = difflib.SequenceMatcher(None, word, other).ratio()
        return closeness[word, other]

    for position, (core, *columns) in enumerate(candidates):
        have = set(address_text(columns).split())
        ratios = [
            max((ratio(word, other) for other in have), default=0)
            for word in names
            if word not in have
        ]
        if ratios and min(ratios) >= MISSPELLING_RATIO:
            scored.append((-min(ratios), position, core))
    return [core for _, _, core in sorted(scored)]


@dataclass(frozen=True)
class RelatedLink:
    mpan_core: str
    effective_date: date | None


@dataclass(frozen=True)
class MeteringPointDetail:
    point: MeteringPoint
    meters: list[Meter]
    related: list[RelatedLink]


# The detail is the hottest read: its three queries are compiled once per process.
_point_by_core = CompiledQuery(lambda core: MeteringPoint.objects.filter(pk=core), arity=1)
_meters_of_point = CompiledQuery(
    lambda core: meters_in_order().filter(metering_point_id=core), arity=1
)
_links_of_point = CompiledQuery(
    lambda core: (
        RelatedMpan.objects.filter(Q(metering_point_id=core) | Q(related_id=core))
        .order_by()
        .values_list("metering_point_id", "related_id", "effective_date")
    ),
    arity=1,
)


def metering_point_detail(mpan_core: str) -> MeteringPointDetail | None:
    """One point with its meters and related MPANs: three queries (point, meters,
    relationships) sent in one round trip. A relationship is stored once (D0386's
    primary -> related), so both directions are read. A streaming replica answers when
    there is one."""
    using = read_alias()
    return metering_point_detail_from(
        mpan_core, rows_together(*metering_point_detail_calls(mpan_core), using=using), using
    )


def metering_point_detail_calls(mpan_core: str) -> list[tuple[CompiledQuery, tuple]]:
    """The detail's three compiled queries, for `rows_together` (with other statements,
    search.services.metering_point_detail_recorded)."""
    return [
        (_point_by_core, (mpan_core,)),
        (_meters_of_point, (mpan_core,)),
        (_links_of_point, (mpan_core,)),
    ]


def metering_point_detail_from(
    mpan_core: str, rows: Sequence[list], using: str
) -> MeteringPointDetail | None:
    """The detail from the rows of `metering_point_detail_calls` (None: no such point)."""
    points, meters, links = rows[:3]
    if not points:
        return None
    related = sorted(
        (
            RelatedLink(other if first == mpan_core else first, effective)
            for first, other, effective in links
        ),
        key=lambda link: link.mpan_core,
    )
    return MeteringPointDetail(
        point=instances(_point_by_core, points, using)[0],
        meters=instances(_meters_of_point, meters, using),
        related=related,
    )


# --- Caps and the audit -------------------------------------------------------------------


def uk_day_start(moment: datetime | None = None) -> datetime:
    """Midnight (UK time) at the start of the UK calendar day holding `moment`."""
    local = timezone.localtime(moment or timezone.now(), UK)
    return datetime.combine(local.date(), time.min, tzinfo=UK)


def _next_day(day_start: datetime) -> datetime:
    return datetime.combine(day_start.date() + timedelta(days=1), time.min, tzinfo=UK)


def lookups_counted_since(
    day_start: datetime,
    *,
    user: User | None = None,
    api_key: OrganisationApiKey | None = None,
    organisation_id: int | None = None,
    bulk_only: bool = False,
) -> int:
    """Lookups counted against the caps on the UK day starting at `day_start` (the audit
    rows' `lookups`): by a user through the web and the API with their session, by one
    API key, or by all of an organisation's users and keys (`bulk_only`: its bulk
    searches' points)."""
    # Bounded on both sides, so PostgreSQL reads that day's month partition alone.
    events = SearchEvent.objects.filter(
        created_at__gte=day_start, created_at__lt=_next_day(day_start)
    )
    if api_key is not None:
        events = events.filter(api_key=api_key)
    elif user is not None:
        events = events.filter(user=user)
    else:
        events = events.filter(organisation_id=organisation_id)
    if bulk_only:
        events = events.filter(action=SearchAction.BULK)
    return events.aggregate(total=Sum("lookups"))["total"] or 0


@dataclass(frozen=True)
class UsageRow:
    day: date
    organisation: str
    user: str
    searches: int
    details: int
    exports: int
    bulk_points: int = 0
    # What these lookups counted against the daily caps (an export its rows, a bulk
    # search its points).
    counted: int = 0

    @property
    def total(self) -> int:
        return self.searches + self.details + self.exports


def search_usage(
    *, viewer: User, date_from: date, date_to: date, organisation: Organisation | None = None
) -> list[UsageRow]:
    """Lookups per day and per user (or API key) between two UK days, both included:
    an organisation admin sees their organisation, a service admin everybody's (or one
    organisation's)."""
    start = datetime.combine(date_from, time.min, tzinfo=UK)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UK)
    events = SearchEvent.objects.filter(created_at__gte=start, created_at__lt=end)
    if not viewer.is_service_admin:
        if viewer.organisation_id is None:
            return []
        events = events.filter(organisation_id=viewer.organisation_id)
    elif organisation is not None:
        events = events.filter(organisation=organisation)
    rows = (
        events.annotate(day=TruncDate("created_at", tzinfo=UK))
        .values("day", "organisation__mpid", "user__email", "api_key__name")
        .annotate(
            searches=Count("id", filter=Q(action=SearchAction.SEARCH)),
            details=Count("id", filter=Q(action=SearchAction.DETAIL)),
            exports=Count("id", filter=Q(action=SearchAction.EXPORT)),
            bulk_points=Sum("lookups", filter=Q(action=SearchAction.BULK), default=0),
            counted=Sum("lookups", default=0),
        )
        .order_by("-day", "organisation__mpid", "user__email", "api_key__name")
    )
    return [
        UsageRow(
            day=row["day"],
            organisation=row["organisation__mpid"] or "",
            user=row["user__email"] or f"API key: {row['api_key__name']}",
            searches=row["searches"],
            details=row["details"],
            exports=row["exports"],
            bulk_points=row["bulk_points"],
            counted=row["counted"],
        )
        for row in rows
    ]
