"""Audit: the one function that writes audit rows. Services call it inside their transaction."""

from django.contrib.auth.base_user import AbstractBaseUser

from .models import AuditEvent, Outcome

SYSTEM_ACTOR = "sistem"


def audit_record(
    *,
    actor: AbstractBaseUser | str | None,
    action: str,
    object_type: str = "",
    object_id: object = "",
    subject_person_id: int | None = None,
    region_code: str = "",
    ip: str | None = None,
    outcome: str = Outcome.OK,
    detail: dict | None = None,
) -> AuditEvent:
    """`actor` is a user, or a system actor's name such as "sistem:load_registry"."""
    if actor is None or isinstance(actor, str):
        user, label = None, actor or SYSTEM_ACTOR
    else:
        user, label = actor, actor.get_username()
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        subject_person_id=subject_person_id,
        region_code=region_code,
        ip=ip,
        outcome=outcome,
        detail=detail or {},
    )
