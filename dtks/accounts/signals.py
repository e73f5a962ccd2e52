"""Every login (the login views, the activation, and the test client's force_login) starts the
idle-timeout clock, so a fresh session is never judged by a stale stamp."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .auth import touch


@receiver(user_logged_in, dispatch_uid="dtks.accounts.touch_on_login")
def start_idle_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        touch(request)
