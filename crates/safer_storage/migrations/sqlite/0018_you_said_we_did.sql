-- "You said, we did" on the public dashboard: what residents told the partnership and what the
-- partnership did about it, written by coordinators and published as they are. Public text:
-- entries must hold no personal data. published_on is the date shown, TEXT 'YYYY-MM-DD';
-- created_by is NULL for entries the demo wrote, and when the account is deleted.

CREATE TABLE you_said_we_did (
    id              INTEGER PRIMARY KEY,
    partnership_id  BIGINT  NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    you_said        TEXT    NOT NULL,
    we_did          TEXT    NOT NULL,
    published_on    TEXT    NOT NULL,
    created_by      BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX you_said_we_did_partnership_idx ON you_said_we_did (partnership_id, published_on);
