//! Aduana's domain vocabulary: consignments and everything in them, validated codes, locations and diagnostics,
//! completeness against the PLACI and SAFE element sets, and assessments. No I/O, no async, no clock: every value
//! here is built from arguments, so the rest of the system can be tested without a database or a server.

pub mod assessment;
pub mod codes;
pub mod completeness;
pub mod consignment;
pub mod diagnostic;
pub mod hs;
pub mod location;

pub use assessment::{Assessment, Evidence, Hit, Lane, Referral};
pub use codes::{
    AirWaybillNumber, CodeError, CodeErrorKind, ContainerNumber, CountryCode, CurrencyCode, HsCode, ImoNumber, LoCode,
    UnNumber,
};
pub use consignment::{
    Address, Consignment, Contact, Direction, DocumentKind, DocumentReference, Duty, Equipment, EquipmentKind,
    GoodsItem, Itinerary, Money, Packages, Party, PartyIdentifier, PartyRole, Place, Reference, ReferenceError, Text,
    TransportMeans, TransportMode,
};
pub use diagnostic::{Diagnostic, Severity};
pub use hs::{HsEdition, Nomenclature};
pub use location::{Location, LocationPath};

/// Re-exported so that every crate names decimal amounts with the same type.
pub use rust_decimal::Decimal;
