//! What a cash record holds: a declaration of cash or bearer negotiable instruments (BNI) by a traveller entering
//! or leaving (accompanied cash, Art. 3 of Regulation 2018/1672) or for a consignment or postal item (unaccompanied
//! cash, Art. 4), or a detection of cash that was not declared or was declared incorrectly, with whether it was
//! temporarily detained (Art. 7). Fields follow the Annex of Implementing Regulation (EU) 2021/776 (declaration
//! form) and FATF Recommendation 32.

use aduana_core::{CountryCode, CurrencyCode, Decimal};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One declaration or detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CashRecord {
    /// The administration's reference of the declaration or detection (unique).
    pub reference: String,
    /// When it was made (declaration lodged, cash detected).
    pub at: DateTime<Utc>,
    /// The customs office (name or reference number).
    pub office: String,
    /// Into or out of the Union.
    pub direction: Direction,
    /// Carried by a traveller or sent unaccompanied.
    pub movement: Movement,
    /// Who declared (or, for a detection, who carried or sent the cash).
    pub declarant: Person,
    /// The owner, when not the declarant.
    pub owner: Option<Party>,
    /// The intended recipient, when not the declarant.
    pub recipient: Option<Party>,
    /// How the cash travelled.
    pub route: Route,
    /// The amounts, per instrument and currency.
    pub amounts: Vec<Amount>,
    /// Where the cash comes from, as declared.
    pub provenance: Option<String>,
    /// What it is for, as declared.
    pub intended_use: Option<String>,
    /// Whether there are indications of criminal activity (which makes the record one to share, Art. 10).
    pub suspicion: bool,
    /// Present when this record is a detection rather than a declaration.
    pub detection: Option<Detection>,
}

/// A detection of cash that was not declared, or was declared incorrectly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Detection {
    /// Not declared at all, or declared with wrong or incomplete information.
    pub finding: Finding,
    /// Whether the cash was temporarily detained (Art. 7).
    pub detained: bool,
}

/// What a detection found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Finding {
    /// The obligation to declare (or disclose) was not fulfilled.
    Undeclared,
    /// The declaration was incorrect or incomplete.
    Incorrect,
}

/// The direction of the movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Entering the Union.
    Entering,
    /// Leaving the Union.
    Leaving,
}

/// Accompanied (carried by a traveller) or unaccompanied (consignment, post, courier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    /// Carried by a natural person.
    Accompanied,
    /// Sent without a carrier in person: cargo, post, courier.
    Unaccompanied,
}

/// The declarant or carrier: a natural person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Person {
    /// Full name as on the document.
    pub name: String,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Nationality.
    pub nationality: Option<CountryCode>,
    /// The identity document's type (passport, identity card, …).
    pub document_type: Option<String>,
    /// The identity document's number.
    pub document_number: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Telephone number.
    pub phone: Option<String>,
}

/// An owner or recipient: a natural or legal person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Party {
    /// Name.
    pub name: String,
    /// Address.
    pub address: Option<String>,
}

/// How the cash travelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Route {
    /// The mode of transport.
    pub mode: TransportMode,
    /// The conveyance: flight number, vessel name, vehicle registration, postal item number.
    pub conveyance: Option<String>,
    /// The country the cash comes from.
    pub from_country: Option<CountryCode>,
    /// The country it goes to.
    pub to_country: Option<CountryCode>,
}

/// The mode of transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransportMode {
    /// By air.
    Air,
    /// By sea.
    Sea,
    /// By road.
    Road,
    /// By rail.
    Rail,
    /// By post.
    Post,
    /// By courier or express carrier.
    Courier,
    /// On foot or otherwise.
    Other,
}

/// One amount: an instrument, a currency and a value in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Amount {
    /// What kind of cash.
    pub instrument: Instrument,
    /// The currency the value is in (for commodities: the currency of the declared value).
    pub currency: CurrencyCode,
    /// The value, in that currency; never negative.
    pub value: Decimal,
}

/// The kinds of cash of Art. 2 of Regulation 2018/1672.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Instrument {
    /// Banknotes and coins.
    Currency,
    /// Traveller's cheques.
    TravellersCheques,
    /// Cheques, promissory notes, money orders and other negotiable instruments in bearer form.
    NegotiableInstruments,
    /// Prepaid cards (anonymous stored-value cards).
    PrepaidCards,
    /// Commodities used as highly liquid stores of value: gold coins, bullion, nuggets.
    Commodities,
}

impl Instrument {
    /// Every instrument, in order.
    pub const ALL: [Instrument; 5] = [
        Instrument::Currency,
        Instrument::TravellersCheques,
        Instrument::NegotiableInstruments,
        Instrument::PrepaidCards,
        Instrument::Commodities,
    ];

    /// The name used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Instrument::Currency => "currency",
            Instrument::TravellersCheques => "travellers_cheques",
            Instrument::NegotiableInstruments => "negotiable_instruments",
            Instrument::PrepaidCards => "prepaid_cards",
            Instrument::Commodities => "commodities",
        }
    }

    /// Parses the name used in files.
    pub fn parse(text: &str) -> Option<Instrument> {
        Instrument::ALL.into_iter().find(|i| i.as_str() == text)
    }
}

impl Direction {
    /// The name used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Entering => "entering",
            Direction::Leaving => "leaving",
        }
    }
}

impl Movement {
    /// The name used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Movement::Accompanied => "accompanied",
            Movement::Unaccompanied => "unaccompanied",
        }
    }
}

impl Finding {
    /// The name used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Undeclared => "undeclared",
            Finding::Incorrect => "incorrect",
        }
    }
}

impl TransportMode {
    /// Every mode, in order.
    pub const ALL: [TransportMode; 7] = [
        TransportMode::Air,
        TransportMode::Sea,
        TransportMode::Road,
        TransportMode::Rail,
        TransportMode::Post,
        TransportMode::Courier,
        TransportMode::Other,
    ];

    /// The name used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportMode::Air => "air",
            TransportMode::Sea => "sea",
            TransportMode::Road => "road",
            TransportMode::Rail => "rail",
            TransportMode::Post => "post",
            TransportMode::Courier => "courier",
            TransportMode::Other => "other",
        }
    }

    /// Parses the name used in files.
    pub fn parse(text: &str) -> Option<TransportMode> {
        TransportMode::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl CashRecord {
    /// "declaration" or "detection".
    pub fn kind(&self) -> &'static str {
        if self.detection.is_some() { "detection" } else { "declaration" }
    }

    /// Whether the record must be shared with partner administrations (Art. 10 of Regulation 2018/1672): every
    /// detection, every detained amount, and every record with indications of criminal activity.
    pub fn must_share(&self) -> bool {
        self.detection.is_some() || self.suspicion
    }

    /// Whether the cash was temporarily detained.
    pub fn detained(&self) -> bool {
        self.detection.as_ref().is_some_and(|d| d.detained)
    }

    /// The amounts as one line: `currency EUR 9500; commodities USD 2000`.
    pub fn amounts_text(&self) -> String {
        let parts: Vec<String> =
            self.amounts.iter().map(|a| format!("{} {} {}", a.instrument.as_str(), a.currency, a.value)).collect();
        parts.join("; ")
    }
}
