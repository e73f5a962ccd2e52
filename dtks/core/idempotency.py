"""Idempotency, written once (docs/design.md §4; docs/security.md #11): every creating request of a page
or the API may carry a key, and a retry with the same key gets the first answer and creates nothing.

    claim = idempotency_claim(scope="proposal_item.create", actor=actor, key=key)
    if claim.replayed:
        return ProposalItem.objects.get(pk=claim.object_id)
    item = …                          # the real work, in the same transaction
    claim.answer(item.pk)

The claim holds a transaction-level advisory lock on (scope, owner, key) until the caller's
transaction ends, so two concurrent retries run one after the other and the second sees the first's
answer. The row is written in the caller's transaction: a request that fails leaves no key behind,
and its retry runs again. A key is per owner (the signed-in user, or the public channel) and per
kind of request. Given a `fingerprint` of the content, the same key with different content is
refused, as a client bug, instead of silently answering with another request's object.

Decisions are idempotent without a table: the same decision again on an item already decided that
way changes nothing, and a different one is refused as "already decided" (proposals/item/machine.py).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection

from .models import IdempotencyKey

PUBLIC = "public"


def owner_of(actor) -> str:
    pk = getattr(actor, "pk", None)
    return f"u:{pk}" if pk is not None else PUBLIC


@dataclass
class Claim:
    scope: str
    owner: str
    key: str | None
    fingerprint: str = ""
    object_id: int | None = None

    @property
    def replayed(self) -> bool:
        return self.object_id is not None

    def answer(self, object_id: int) -> None:
        """Records the first answer (inside the caller's transaction)."""
        if self.key:
            IdempotencyKey.objects.create(
                scope=self.scope,
                owner=self.owner,
                key=self.key,
                fingerprint=self.fingerprint,
                object_id=object_id,
            )
            self.object_id = object_id


def idempotency_claim(*, scope: str, actor, key: str | None, fingerprint: str = "") -> Claim:
    """Must run inside the transaction that does the work. Without a key, a claim that never replays."""
    key = (key or "").strip() or None
    claim = Claim(scope=scope, owner=owner_of(actor), key=key, fingerprint=fingerprint)
    if key is None:
        return claim
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{scope}\x1f{claim.owner}\x1f{key}"]
        )
    row = (
        IdempotencyKey.objects.filter(scope=scope, owner=claim.owner, key=key)
        .values_list("object_id", "fingerprint")
        .first()
    )
    if row is not None:
        object_id, seen = row
        if fingerprint and seen and seen != fingerprint:
            raise ValidationError(
                {
                    "Idempotency-Key": "Kunci ini sudah dipakai untuk permintaan lain dengan isi berbeda; buat kunci baru."
                },
                code="idempotency_conflict",
            )
        claim.object_id = object_id
    return claim
