"""Reads of the region table (Kemendagri 2025 reference data).

Regions are public reference data, so no selector here takes a user: every caller sees the same
rows. They still go through this module so views, forms and later APIs share one way of reading
them, and each read stays one indexed query (`regions_region_parent_idx` on `(parent_code, name)`).
"""

from django.db.models import Q, QuerySet

from .models import CODE_LENGTH, Level, Region

LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


def region_code_level(*, code: str) -> Level | None:
    """Level of an undotted code by its length alone (no query); None when the length fits no level."""
    if not code.isascii() or not code.isdigit():
        return None
    level = LEVEL_BY_LENGTH.get(len(code))
    return Level(level) if level is not None else None


def region_code_prefixes(*, code: str) -> list[str]:
    """`3371011001` → `["33", "3371", "337101", "3371011001"]` (the code's ancestors, then itself)."""
    return [code[:length] for length in CODE_LENGTH.values() if length <= len(code)]


def regions_children(*, parent_code: str | None) -> QuerySet[Region]:
    """Direct children of a region in name order; the provinces when `parent_code` is None."""
    qs = (
        Region.objects.filter(parent__isnull=True)
        if parent_code is None
        else Region.objects.filter(parent_id=parent_code)
    )
    return qs.order_by("name")


def region_get(*, code: str, level: int | None = None) -> Region | None:
    """The region with this undotted code (and level, if given), or None."""
    qs = Region.objects.filter(code=code)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.first()


def region_path(*, code: str) -> list[Region]:
    """The region and its ancestors, province first, in one query; [] when the code is unknown."""
    prefixes = region_code_prefixes(code=code)
    path = list(Region.objects.filter(code__in=prefixes).order_by("level"))
    if not path or path[-1].code != code or len(path) != len(prefixes):
        return []
    return path


def region_picker_options(*, code: str, depth: int) -> dict[str | None, list[Region]]:
    """Every option list a cascading picker needs to show `code` chosen, in one query.

    Keys are parent codes (None for the provinces): the provinces, then the children of each
    ancestor of `code` (and of `code` itself) above `depth`. An unknown code yields only the lists
    that exist, so a picker re-rendered with bad input still offers the provinces.
    """
    parents = (
        [p for p in region_code_prefixes(code=code) if len(p) < CODE_LENGTH[Level(depth)]] if code else []
    )
    options: dict[str | None, list[Region]] = {None: [], **{p: [] for p in parents}}
    for region in Region.objects.filter(Q(parent__isnull=True) | Q(parent_id__in=parents)).order_by(
        "parent_id", "name"
    ):
        options[region.parent_id].append(region)
    return options


def region_labels(codes) -> dict[str, str]:
    """Village code -> "Village, District" for a page of rows, in one query on the region table."""
    codes = set(codes)
    wanted = codes | {c[:6] for c in codes}
    names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
    return {c: ", ".join(n for n in (names.get(c), names.get(c[:6])) if n) or c for c in codes}
