-- Faster enforcement search (issue 8): every facet is counted in one pass, with no join, and the page is chosen
-- before any case body is read.
--
-- `route`: the case's route countries, sorted, without repeats, separated by one space (`EC NL PA`; empty when
-- none is known). The country facet groups the cases by it and splits the few distinct routes afterwards instead
-- of joining the country rows to the wide case rows; the country filter looks for ` XX ` in it.
ALTER TABLE enforcement_cases ADD COLUMN route TEXT NOT NULL DEFAULT '';
UPDATE enforcement_cases c SET route = COALESCE(
    (SELECT string_agg(k.country, ' ' ORDER BY k.country) FROM enforcement_case_countries k WHERE k.case_id = c.id),
    '');
ALTER TABLE enforcement_cases ALTER COLUMN route DROP DEFAULT;

-- The columns every facet and filter reads, for scans that need not visit the wide rows. They replace the
-- (column, restricted) indexes.
DROP INDEX enforcement_cases_area;
DROP INDEX enforcement_cases_detection;
DROP INDEX enforcement_cases_concealment;
DROP INDEX enforcement_cases_year;
CREATE INDEX enforcement_cases_facets
    ON enforcement_cases (commodity_area, detection_method, concealment, year, restricted, route, case_date, id);
DROP INDEX enforcement_cases_date;
CREATE INDEX enforcement_cases_date ON enforcement_cases (case_date, restricted, route, id);

-- The restricted cases a viewer may see, found by principal (the primary key starts with the case).
CREATE INDEX enforcement_case_access_principal ON enforcement_case_access (principal, case_id);
