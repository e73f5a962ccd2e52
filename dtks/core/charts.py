"""Bar charts drawn by the server (docs/conventions.md: no chart library, no JavaScript, no CDN): a list
of bars whose lengths are percentages of the largest, for the `bar-list` markup
(templates/core/_bars.html) — one SVG rect per bar, the number beside it, readable at 360 px."""

from collections.abc import Iterable


def bars(rows: Iterable[tuple[str, str, int]]) -> list[dict]:
    """(key, label, count) rows → bars: key, label, count and `percent` of the largest count."""
    rows = list(rows)
    top = max((n for _k, _l, n in rows), default=0) or 1
    return [
        {"key": key, "label": label, "count": n, "percent": f"{100 * n / top:.1f}".removesuffix(".0")}
        for key, label, n in rows
    ]
