-- A limit on the Open311 requests each client may post per hour (NULL: no limit). Clients
-- added before this migration keep no limit, as they had; `safer open311 add` sets one.
ALTER TABLE open311_clients ADD COLUMN requests_per_hour BIGINT
    CONSTRAINT open311_clients_requests_per_hour_positive CHECK (requests_per_hour > 0);
