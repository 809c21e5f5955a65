-- The partnership a signed-in user chose to work in, for users who belong to several (NULL:
-- the first, by name, as before).
ALTER TABLE sessions ADD COLUMN partnership_id BIGINT
    REFERENCES partnerships (id) ON DELETE SET NULL;
