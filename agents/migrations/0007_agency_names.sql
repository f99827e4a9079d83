-- The agencies' names for people, as the hub's registry has them (KeyDirectory entries carry
-- them): the caseworkers' pages show these instead of ids.
ALTER TABLE directory_keys ADD COLUMN agency_name TEXT;
