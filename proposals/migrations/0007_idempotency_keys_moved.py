"""Every idempotency key moves to the one table (dtks/core/idempotency.py, core_idempotencykey): the
item's and the import job's own columns, and the musyawarah keys kept in their creation's audit row.

Keys written as "<user id>:<key>" become the user's key of that kind of request; a self-registration's
"mandiri:<form key>:<digest>" the public channel's; a ministry page's "kemensos:<form key>" (and the
demo's "demo:kemensos:…") the proposer's. A ministry API key was stored hashed with its user and
cannot be recovered; it moves under its hashed form, so a retry of such a request sent before this
migration is answered as a new request."""

from django.db import migrations

FORWARD = r"""
INSERT INTO core_idempotencykey (scope, owner, key, fingerprint, object_id, created_at)
SELECT CASE
         WHEN idempotency_key ~ '^[0-9]+:' THEN 'proposal_item.create'
         WHEN idempotency_key LIKE 'mandiri:%' THEN 'self_registration.submit'
         ELSE 'ministry_proposal.create'
       END,
       CASE
         WHEN idempotency_key ~ '^[0-9]+:' THEN 'u:' || split_part(idempotency_key, ':', 1)
         WHEN idempotency_key LIKE 'mandiri:%' THEN 'public'
         ELSE 'u:' || coalesce(created_by_id::text, '')
       END,
       CASE
         WHEN idempotency_key ~ '^[0-9]+:' THEN substr(idempotency_key, strpos(idempotency_key, ':') + 1)
         WHEN idempotency_key LIKE 'mandiri:%' THEN substr(idempotency_key, 9)
         WHEN idempotency_key LIKE 'kemensos:%' THEN substr(idempotency_key, 10)
         ELSE idempotency_key
       END,
       '', id, created_at
FROM proposals_proposalitem WHERE idempotency_key IS NOT NULL
ON CONFLICT DO NOTHING;

INSERT INTO core_idempotencykey (scope, owner, key, fingerprint, object_id, created_at)
SELECT 'proposal_import.upload', 'u:' || split_part(idempotency_key, ':', 1),
       substr(idempotency_key, strpos(idempotency_key, ':') + 1), '', id, created_at
FROM proposals_importjob WHERE idempotency_key IS NOT NULL
ON CONFLICT DO NOTHING;

INSERT INTO core_idempotencykey (scope, owner, key, fingerprint, object_id, created_at)
SELECT DISTINCT ON (actor_id, detail->>'idempotency_key')
       'musyawarah.create', 'u:' || actor_id, detail->>'idempotency_key', '', object_id::bigint, occurred_at
FROM audit_auditevent
WHERE action = 'musyawarah.create' AND detail ? 'idempotency_key' AND actor_id IS NOT NULL
ORDER BY actor_id, detail->>'idempotency_key', id
ON CONFLICT DO NOTHING;
"""


class Migration(migrations.Migration):
    dependencies = [("proposals", "0006_item_overrides_history_detail"), ("core", "0003_idempotency_keys")]

    operations = [
        # The way back leaves the keys in the one table (the columns come back empty).
        migrations.RunSQL(FORWARD, migrations.RunSQL.noop),
        migrations.RemoveField(model_name="proposalitem", name="idempotency_key"),
        migrations.RemoveField(model_name="importjob", name="idempotency_key"),
    ]
