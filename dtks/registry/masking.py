"""Minimum disclosure (docs/security.md #2): NIK and KK are masked everywhere except detail views for
roles entitled to them, and each full view is audited by the caller."""


def mask_id(value: str | None) -> str:
    """'3371011505800001' -> '3371**********01'; empty stays empty."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]
