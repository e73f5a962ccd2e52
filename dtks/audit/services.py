"""Audit: the one function that writes audit rows. Services call it inside their transaction."""

from .models import AuditEvent, Outcome

SYSTEM_ACTOR = "sistem"


class SystemActor:
    """A background task or a public channel acting without a user: named in the audit log
    ("sistem:penetapan"), never a role. Transitions reserved to the system check `is_system`."""

    is_system = True
    is_authenticated = False
    is_active = True
    pk = None
    role = "system"
    region_code = ""

    def __init__(self, name: str):
        self.name = name

    def get_username(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


def actor_identity(actor) -> tuple[int | None, str]:
    """(user id, label) of an actor: a user, a SystemActor, a system actor's name, or None."""
    if actor is None or isinstance(actor, str):
        return None, (actor or SYSTEM_ACTOR)[:150]
    return actor.pk, actor.get_username()[:150]


def audit_record(
    *,
    actor,
    action: str,
    object_type: str = "",
    object_id: object = "",
    subject_person_id: int | None = None,
    region_code: str = "",
    ip: str | None = None,
    outcome: str = Outcome.OK,
    detail: dict | None = None,
) -> AuditEvent:
    """`actor` is a user, a SystemActor, or a system actor's name such as "sistem:load_registry"."""
    actor_id, label = actor_identity(actor)
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_label=label,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        subject_person_id=subject_person_id,
        region_code=region_code,
        ip=ip,
        outcome=outcome,
        detail=detail or {},
    )


def audit_full_view(
    request,
    *,
    action: str,
    object_type: str,
    object_id: object,
    region_code: str,
    subject_person_id: int | None = None,
    **detail,
) -> AuditEvent:
    """The one audit row of a page or API answer that showed a full NIK/KK (docs/security.md #2, #9):
    who, from where, which record; an API answer says so (`detail.channel`)."""
    from dtks.accounts.auth import client_ip

    if request.path.startswith("/api/"):
        detail = {"channel": "api", **detail}
    return audit_record(
        actor=request.user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        subject_person_id=subject_person_id,
        region_code=region_code,
        ip=client_ip(request),
        detail=detail,
    )
