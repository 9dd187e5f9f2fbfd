-- Store version 13: a maiden, former or alias surname the source maps (other_last_name), kept beside
-- the last name. Its parts are in last_name_parts from the next load of the source on.
ALTER TABLE records ADD COLUMN IF NOT EXISTS other_last_name VARCHAR;
ALTER TABLE records ADD COLUMN IF NOT EXISTS other_last_name_raw VARCHAR;
