-- `consignments_reference` duplicated the leading column of the UNIQUE (reference, submitter, version) index,
-- which serves every lookup by reference as well; dropping it saves one index insert per stored consignment.
DROP INDEX IF EXISTS consignments_reference;
