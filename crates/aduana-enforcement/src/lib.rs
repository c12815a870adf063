//! The enforcement database (the WCO's national Customs Enforcement Network, nCEN) and cash declarations, as pure
//! domain logic: what a seizure or offence case holds, the taxonomies it is classified by, the non-nominal CEN
//! export, link analysis, statistics, and cash declarations with structuring detection. Persistence is in
//! `aduana-store`, HTTP and pages in `aduana-server`; nothing here does I/O.

pub mod case;
pub mod cash;
pub mod entities;
pub mod examination;
pub mod export;
pub mod import;
pub mod links;
pub mod stats;
pub mod taxonomy;

pub use case::{
    Case, CaseStatus, Company, Conveyance, IdentityDocument, Investigation, InvestigationStatus, Note, Person,
    PersonRole, Quantity, Restriction, Route, WorkflowError,
};
pub use entities::{EntityKind, EntityRef, case_entities, consignment_entities, search_text};
pub use examination::{Find, case_from_examination};
pub use export::{CenExport, CenRecord, cen_csv, cen_export};
pub use import::{ImportError, read_seizures};
pub use links::{Links, Mention, RecordKind, RecordRef, two_hops};
pub use stats::{Period, Statistics, statistics};
pub use taxonomy::{CommodityArea, Concealment, DetectionMethod, TaxonomyError, Unit};
