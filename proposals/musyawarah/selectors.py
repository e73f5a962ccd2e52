"""Reads of musyawarah, scoped by the one helper on the stored village column."""

from django.db.models import QuerySet

from dtks.accounts.scope import region_q, scoped_selector

from .models import Musyawarah


@scoped_selector
def musyawarah_visible_to(*, user) -> QuerySet[Musyawarah]:
    return Musyawarah.objects.filter(region_q(user))
