"""The audit chain appended in one call on PostgreSQL: dvcq_audit_append(...) takes the chain's lock, reads its head
and inserts a transaction's records with their sequence numbers and hashes (sha256 of the same JSON payload
`AuditRecord.compute_hash` builds), so the platform-wide lock is held for that call and the COMMIT that follows —
not for the round trips and the Python work of a request in between (deadline day: 2,7 sessions on average were
waiting for it). SQLite keeps the Python path (it serialises writers anyway).

Revision ID: 0017_audit_append
Revises: 0016_plan_from_imported_year
Create Date: 2026-12-05 04:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_audit_append"
down_revision = "0016_plan_from_imported_year"
branch_labels = None
depends_on = None

# The payload is '[' seq ',' <middle> ',"' prev_hash '"]' where <middle> is the JSON of the fields between seq and
# prev_hash exactly as Python's json.dumps writes them (built by the app, passed as UTF-8 bytes); seq and the hashes
# are ASCII. A VOLATILE function takes a fresh snapshot for each statement, so the head is read after the lock.
APPEND = """
CREATE FUNCTION dvcq_audit_append(
    ats timestamp[], actor_ids integer[], actor_logins text[], unit_ids integer[], actions text[],
    target_types text[], target_ids text[], befores text[], afters text[], reasons text[], middles bytea[]
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    next_hash text;
    i integer;
BEGIN
    PERFORM pg_advisory_xact_lock(7001);
    SELECT seq, hash INTO head_seq, head_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
    IF head_seq IS NULL THEN
        head_seq := 0;
        head_hash := repeat('0', 64);
    END IF;
    FOR i IN 1 .. coalesce(array_length(ats, 1), 0) LOOP
        head_seq := head_seq + 1;
        next_hash := encode(sha256(
            convert_to('[' || head_seq::text || ',', 'UTF8') || middles[i]
            || convert_to(',"' || head_hash || '"]', 'UTF8')
        ), 'hex');
        INSERT INTO audit_log (seq, at, actor_id, actor_login, unit_id, action, target_type, target_id, before, after,
                               reason, prev_hash, hash)
        VALUES (head_seq, ats[i], actor_ids[i], actor_logins[i], unit_ids[i], actions[i], target_types[i],
                target_ids[i], befores[i], afters[i], reasons[i], head_hash, next_hash);
        head_hash := next_hash;
    END LOOP;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION dvcq_audit_append(timestamp[], integer[], text[], integer[], text[], text[], text[], text[],"
            " text[], text[], bytea[])"
        )
