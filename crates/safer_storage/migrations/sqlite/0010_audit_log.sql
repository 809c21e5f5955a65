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
-- Actions (the CHECK below; adding one needs a migration that rebuilds the table, copying
-- rows as they are, which keeps the chain): read, search, create, update, delete, share,
-- export, erase, sign-in, sign-out, refused.
--
-- The triggers refuse UPDATE and DELETE. They stop mistakes and the application, not someone
-- who can change the schema; verify is what detects that.

CREATE TABLE audit_log (
    seq              INTEGER PRIMARY KEY,
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
    CONSTRAINT audit_log_object_kind_code CHECK (
        length(object_kind) BETWEEN 1 AND 32 AND object_kind NOT GLOB '*[^a-z0-9_-]*'),
    CONSTRAINT audit_log_object_id_opaque CHECK (
        length(object_id) BETWEEN 1 AND 64 AND object_id NOT GLOB '*[^A-Za-z0-9._:-]*'),
    CONSTRAINT audit_log_purpose_code CHECK (
        purpose IS NULL OR (length(purpose) BETWEEN 1 AND 32
                            AND purpose NOT GLOB '*[^a-z0-9._-]*')),
    CONSTRAINT audit_log_detail_short CHECK (detail IS NULL OR length(detail) <= 200),
    CONSTRAINT audit_log_hashes_hex CHECK (length(prev_hash) = 64 AND length(hash) = 64)
);

CREATE INDEX audit_log_object_idx ON audit_log (object_kind, object_id, seq);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
