"""Reads of the spreadsheet import, scoped by the one helper on the job's stored village column."""

from dtks.accounts.scope import region_q, scoped_selector
from proposals.musyawarah.models import Musyawarah

from .models import ImportJob, ImportRow


@scoped_selector
def import_jobs_visible_to(*, user):
    """Import jobs in the user's scope (the one scope filter on the stored village column)."""
    return ImportJob.objects.filter(region_q(user)).select_related("musyawarah")


@scoped_selector
def import_musyawarah_for(*, user, musyawarah_id: int) -> Musyawarah:
    """The musyawarah in the user's scope (DoesNotExist → 404 in the view)."""
    return Musyawarah.objects.filter(region_q(user)).get(pk=musyawarah_id)


def import_job_error_rows(*, job: ImportJob):
    return ImportRow.objects.filter(job=job, ok=False).order_by("row_no")
