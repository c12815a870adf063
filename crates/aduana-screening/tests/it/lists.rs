//! Reading lists: the UN XML, FtM JSON Lines and CSV, malformed lists, versions and diffs.
