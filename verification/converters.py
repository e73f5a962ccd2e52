"""`verval_id`: a row id in the verification stage's paths — digits, at most 18, so no path reaches
PostgreSQL out of the bigint range."""

from django.urls import register_converter


class VervalIdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(VervalIdConverter, "verval_id")
