//! Cash declarations (EU Regulation 2018/1672, FATF Recommendation 32): what a declaration of cash and bearer
//! negotiable instruments holds and what a detection of undeclared or wrongly declared cash holds
//! ([`declaration`]), conversion to euro and the threshold ([`rates`]), structuring detection ([`structuring`]),
//! the deadline for sharing with partner administrations ([`sharing`]), the report for the financial intelligence
//! unit ([`report`]) and the CSV import layout ([`import`]). Pure: callers pass in the rate table, the calendar and
//! `today`.

pub mod declaration;
pub mod import;
pub mod rates;
pub mod report;
pub mod sharing;
pub mod structuring;

pub use declaration::{
    Amount, CashRecord, Detection, Direction, Finding, Instrument, Movement, Party, Person, Route, TransportMode,
};
pub use import::{ImportError, parse_csv};
pub use rates::{RateError, RateTable, Threshold};
pub use report::{FiuReport, FiuRow};
pub use sharing::{SharingCalendar, SharingRecord, SharingStatus};
pub use structuring::{Alert, AlertKind, Link, StructuringConfig, detect_structuring};
