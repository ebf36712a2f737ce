-- History entries say which method was used (GET, PUT); entries written before say GET,
-- the only method of the data routes they could record then besides PUT preferences.
ALTER TABLE history ADD COLUMN method TEXT NOT NULL DEFAULT 'GET';
