-- Broad full-text queries (issue 8): a copy of each case's words in a narrow table, one row per case, written with
-- the case. A word that nearly every case has is answered as the search without it minus the cases that lack it;
-- finding those means checking every case's words, and here that reads ~40 MB of pages instead of the ~300 MB of
-- case rows, where the `search` column shares the pages with the JSON bodies. `search` and its GIN index stay
-- for every other query: a few matches are found through the index and read with their facet columns from the
-- same rows (joining this table instead made the planner walk the date index, 20 times slower for a full name).
-- No index but the key: the table is only ever read whole. Positions are stripped: a search is an AND of words,
-- never a phrase, so what matches does not change.
CREATE TABLE enforcement_case_words (
    case_id  BIGINT   PRIMARY KEY REFERENCES enforcement_cases (id),
    words    TSVECTOR NOT NULL
);
INSERT INTO enforcement_case_words (case_id, words)
    SELECT id, strip(COALESCE(search, ''::tsvector)) FROM enforcement_cases;
