-- The audit log: one entry for every read and write of personal data (casework calls it), and
-- for sign-ins. Entries are append-only and hash-chained: `hash` is SHA-256 over a canonical
-- encoding of the entry's fields, its `seq` and `prev_hash` (the previous entry's `hash`; 64
-- zeros for entry 1), so `safer audit verify` finds an entry that was edited, deleted,
-- inserted or reordered. docs/audit.md describes the encoding and what it proves.
--
-- `seq` is the chain's order: dense from 1, assigned by the store while it holds the write lock
-- (SQLite's BEGIN IMMEDIATE; PostgreSQL locks the table), so concurrent writers never fork it.
-- Entries carry ids, never names: `object_id` is an opaque id and `detail` a short note the
-- caller must keep free of personal data. Actor ids have no foreign keys on purpose: an entry
-- records a fact and must outlive the account or agency it names.
--
-- Actions (the CHECK below; adding one needs a migration that replaces the constraint):
-- read, search, create, update, delete, share, export, erase, sign-in, sign-out, refused.
--
-- The triggers refuse UPDATE, DELETE and TRUNCATE. They stop mistakes and the application, not
-- the table's owner, who can disable them; verify is what detects that.

CREATE TABLE audit_log (
    seq              BIGINT  PRIMARY KEY,
    at               BIGINT  NOT NULL,
    actor_user_id    BIGINT,
    actor_agency_id  BIGINT,
    action           TEXT    NOT NULL,
    object_kind      TEXT    NOT NULL,
    object_id        TEXT    NOT NULL,
    purpose          TEXT,
    detail           TEXT,
    prev_hash        TEXT    NOT NULL,
    hash             TEXT    NOT NULL,
    CONSTRAINT audit_log_seq_positive CHECK (seq >= 1),
    CONSTRAINT audit_log_action_known CHECK (action IN (
        'read', 'search', 'create', 'update', 'delete', 'share', 'export', 'erase',
        'sign-in', 'sign-out', 'refused')),
    CONSTRAINT audit_log_object_kind_code CHECK (object_kind ~ '^[a-z0-9_-]{1,32}$'),
    CONSTRAINT audit_log_object_id_opaque CHECK (object_id ~ '^[A-Za-z0-9._:-]{1,64}$'),
    CONSTRAINT audit_log_purpose_code CHECK (purpose IS NULL OR purpose ~ '^[a-z0-9._-]{1,32}$'),
    CONSTRAINT audit_log_detail_short CHECK (detail IS NULL OR length(detail) <= 200),
    CONSTRAINT audit_log_hashes_hex CHECK (length(prev_hash) = 64 AND length(hash) = 64)
);

CREATE INDEX audit_log_object_idx ON audit_log (object_kind, object_id, seq);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;

CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
