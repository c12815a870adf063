//! Integration tests of the screening library, through its public API.

mod batch; // screen_parties, strategic_goods, embargoed_destination on a consignment
mod lists; // reading the UN XML, FtM JSON Lines and CSV lists, errors on malformed lists, diffs
mod quality; // the matcher's quality figures on the OpenSanctions evaluation sets (printed; fails below the bars)
