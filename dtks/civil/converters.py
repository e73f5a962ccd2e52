"""Path converters of the Dukcapil pages and API, registered once on import."""

from django.urls import register_converter


class CivilIdConverter:
    """A row id: digits, at most 18, so no path reaches PostgreSQL out of the bigint range."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(CivilIdConverter, "civil_id")
