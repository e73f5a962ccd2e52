"""`{% civil_comparison finding full=full regions=regions as cmp %}`: a civil-registry finding
prepared for templates/civil/_comparison.html (dtks/civil/comparison.py), so the fragment can be
included with nothing but the finding dict."""

from django import template

from dtks.civil.comparison import comparison, is_civil

register = template.Library()


@register.simple_tag
def civil_comparison(finding, full=False, regions=None):
    return comparison(finding, full=bool(full), regions=regions or None)


@register.filter
def civil_finding(finding) -> bool:
    """Whether a finding is the civil registry's (and carries its detail)."""
    return isinstance(finding, dict) and is_civil(finding)
