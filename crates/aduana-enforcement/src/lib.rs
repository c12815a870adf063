//! The enforcement database (the WCO's national Customs Enforcement Network, nCEN) and cash declarations, as pure
//! domain logic: what a seizure or offence case holds, the taxonomies it is classified by, the non-nominal CEN
//! export, link analysis, statistics, and cash declarations with structuring detection. Persistence is in
//! `aduana-store`, HTTP and pages in `aduana-server`; nothing here does I/O.

pub mod cash;
