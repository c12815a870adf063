//! A seizure or offence case as the nCEN records it: when and where, how it was found, what was seized and how it
//! was hidden, the conveyance and route, the persons and companies involved, the consignments and examinations it
//! came from, its status, who may see it (need-to-know) and the investigation assigned on it.
//!
//! The serde form is the API's and the store's: code fields (`CountryCode`, `LoCode`, `ContainerNumber`,
//! `ImoNumber`, `HsCode`) and taxonomies deserialise only through their parsers, and [`Case::problems`] adds the
//! checks serde cannot express (blank office, non-positive quantities, a restricted case nobody may read).

use aduana_core::{ContainerNumber, CountryCode, HsCode, ImoNumber, LoCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::taxonomy::{CommodityArea, Concealment, DetectionMethod, Unit};

/// A seizure or offence case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The day of the seizure or offence.
    pub date: NaiveDate,
    /// The customs office that recorded it.
    pub office: String,
    /// Where it happened, as a UN/LOCODE.
    #[serde(default)]
    pub locode: Option<LoCode>,
    /// How the goods were found.
    pub detection_method: DetectionMethod,
    /// What kind of goods.
    pub commodity_area: CommodityArea,
    /// What the goods are (e.g. "cocaine hydrochloride", "counterfeit handbags").
    pub commodity: String,
    /// Their HS code, when known.
    #[serde(default)]
    pub hs_code: Option<HsCode>,
    /// How much was seized.
    #[serde(default)]
    pub quantities: Vec<Quantity>,
    /// How the goods were hidden.
    pub concealment: Concealment,
    /// Details of the concealment (nominal: never exported).
    #[serde(default)]
    pub concealment_details: String,
    /// The means of transport.
    #[serde(default)]
    pub conveyance: Conveyance,
    /// The route of the goods.
    #[serde(default)]
    pub route: Route,
    /// The persons involved.
    #[serde(default)]
    pub persons: Vec<Person>,
    /// The companies involved.
    #[serde(default)]
    pub companies: Vec<Company>,
    /// Stored consignment versions the case came from.
    #[serde(default)]
    pub consignment_ids: Vec<i64>,
    /// Examination orders the case came from.
    #[serde(default)]
    pub examination_ids: Vec<i64>,
    /// Where the case stands.
    #[serde(default)]
    pub status: CaseStatus,
    /// Who may see the case.
    #[serde(default)]
    pub restriction: Restriction,
    /// The officers' account (nominal: never exported).
    #[serde(default)]
    pub narrative: String,
    /// The investigation of the case, once one is opened.
    #[serde(default)]
    pub investigation: Option<Investigation>,
}

/// An amount in a unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    /// The amount: positive and finite.
    pub amount: f64,
    /// Its unit.
    pub unit: Unit,
}

/// The conveyance: vessel, flight, vehicle and containers (any may be absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conveyance {
    /// The vessel's IMO number.
    #[serde(default)]
    pub vessel_imo: Option<ImoNumber>,
    /// The vessel's name.
    #[serde(default)]
    pub vessel_name: Option<String>,
    /// The flight number (e.g. `KL0592`).
    #[serde(default)]
    pub flight: Option<String>,
    /// The vehicle's registration plate.
    #[serde(default)]
    pub vehicle_plate: Option<String>,
    /// The containers, ISO 6346 numbers with a valid check digit.
    #[serde(default)]
    pub containers: Vec<ContainerNumber>,
}

/// The route of the goods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The country of departure.
    #[serde(default)]
    pub departure: Option<CountryCode>,
    /// The transit countries, in order.
    #[serde(default)]
    pub transit: Vec<CountryCode>,
    /// The country of destination.
    #[serde(default)]
    pub destination: Option<CountryCode>,
}

impl Route {
    /// Returns every country on the route, departure first, without repeats.
    pub fn countries(&self) -> Vec<&CountryCode> {
        let mut out: Vec<&CountryCode> = Vec::new();
        for country in self.departure.iter().chain(&self.transit).chain(&self.destination) {
            if !out.contains(&country) {
                out.push(country);
            }
        }
        out
    }

    /// Returns the route as `EC>PA>NL` (`?` for an unknown end), or `None` when nothing is known.
    pub fn label(&self) -> Option<String> {
        if self.departure.is_none() && self.transit.is_empty() && self.destination.is_none() {
            return None;
        }
        let mut parts = vec![self.departure.as_ref().map_or("?", CountryCode::as_str)];
        parts.extend(self.transit.iter().map(CountryCode::as_str));
        parts.push(self.destination.as_ref().map_or("?", CountryCode::as_str));
        Some(parts.join(">"))
    }
}

/// A person involved in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The full name.
    pub name: String,
    /// What the person did in the case.
    #[serde(default)]
    pub role: PersonRole,
    /// The date of birth.
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    /// The nationality.
    #[serde(default)]
    pub nationality: Option<CountryCode>,
    /// Identity documents.
    #[serde(default)]
    pub documents: Vec<IdentityDocument>,
    /// Postal addresses, one line each.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Phone numbers.
    #[serde(default)]
    pub phones: Vec<String>,
}

/// What a person did in a case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    /// Suspected of the offence.
    #[default]
    Suspect,
    /// Carried the goods (courier, driver).
    Courier,
    /// A witness or other person concerned.
    Witness,
    /// Owner or addressee of the goods.
    Owner,
}

/// An identity document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityDocument {
    /// The kind, e.g. `passport`, `identity_card`, `driving_licence`.
    pub kind: String,
    /// The document number.
    pub number: String,
    /// The issuing country.
    #[serde(default)]
    pub country: Option<CountryCode>,
}

/// A company involved in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Company {
    /// The company name.
    pub name: String,
    /// A registration or EORI number.
    #[serde(default)]
    pub identifier: Option<String>,
    /// The country of registration.
    #[serde(default)]
    pub country: Option<CountryCode>,
    /// Postal addresses, one line each.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Phone numbers.
    #[serde(default)]
    pub phones: Vec<String>,
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Recorded, not yet worked.
    #[default]
    Open,
    /// An investigation is running.
    UnderInvestigation,
    /// Handed to the prosecutor.
    Referred,
    /// Finished.
    Closed,
}

impl CaseStatus {
    /// Returns the stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::UnderInvestigation => "under_investigation",
            CaseStatus::Referred => "referred",
            CaseStatus::Closed => "closed",
        }
    }
}

/// Who may see a case: everyone with a role that reads cases, or (restricted) only the named users and roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restriction {
    /// Whether the case is need-to-know.
    #[serde(default)]
    pub restricted: bool,
    /// User names that may see a restricted case.
    #[serde(default)]
    pub users: Vec<String>,
    /// Role names (e.g. `analyst`) that may see a restricted case.
    #[serde(default)]
    pub roles: Vec<String>,
}

impl Restriction {
    /// Returns whether a user with a role may see the case.
    pub fn admits(&self, user: &str, role: &str) -> bool {
        !self.restricted || self.users.iter().any(|u| u == user) || self.roles.iter().any(|r| r == role)
    }

    /// Returns the principals that may see a restricted case, as the store indexes them (`user:NAME`,
    /// `role:NAME`); empty for an unrestricted case.
    pub fn principals(&self) -> Vec<String> {
        if !self.restricted {
            return Vec::new();
        }
        let users = self.users.iter().map(|u| format!("user:{u}"));
        users.chain(self.roles.iter().map(|r| format!("role:{r}"))).collect()
    }
}

/// The investigation of a case: the assigned officer, its status and the officers' notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Investigation {
    /// The officer it is assigned to.
    pub officer: String,
    /// Where it stands.
    pub status: InvestigationStatus,
    /// Notes, oldest first.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// Where an investigation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvestigationStatus {
    /// Assigned, not yet started.
    Assigned,
    /// Being worked.
    InProgress,
    /// Waiting for something outside the officer's hands (a lab result, a partner administration).
    Suspended,
    /// Finished.
    Closed,
}

/// A note on an investigation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// Who wrote it.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// What it says.
    pub text: String,
}

/// Why an assignment-workflow step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// A note or status change on a case with no investigation.
    #[error("the case has no investigation: assign an officer first")]
    NotAssigned,
    /// A change to a closed investigation.
    #[error("the investigation is closed")]
    Closed,
    /// A blank officer name or note.
    #[error("expected a non-blank {0}")]
    Blank(&'static str),
}

impl Case {
    /// Returns the problems serde cannot catch, each as (JSON pointer, message); empty when the case is usable.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.office.trim().is_empty() {
            out.push(("/office".to_owned(), "expected the recording office, found a blank one".to_owned()));
        }
        if self.commodity.trim().is_empty() {
            out.push(("/commodity".to_owned(), "expected what was seized, found a blank value".to_owned()));
        }
        for (i, q) in self.quantities.iter().enumerate() {
            if !(q.amount.is_finite() && q.amount > 0.0) {
                out.push((
                    format!("/quantities/{i}/amount"),
                    format!("expected a positive amount, found {}", q.amount),
                ));
            }
        }
        for (i, p) in self.persons.iter().enumerate() {
            if p.name.trim().is_empty() {
                out.push((format!("/persons/{i}/name"), "expected a name, found a blank one".to_owned()));
            }
        }
        for (i, c) in self.companies.iter().enumerate() {
            if c.name.trim().is_empty() {
                out.push((format!("/companies/{i}/name"), "expected a name, found a blank one".to_owned()));
            }
        }
        if self.restriction.restricted && self.restriction.users.is_empty() && self.restriction.roles.is_empty() {
            out.push((
                "/restriction".to_owned(),
                "expected at least one user or role allowed to see a restricted case".to_owned(),
            ));
        }
        out
    }

    /// Assigns (or reassigns) the investigation to an officer, noting who did it and when.
    ///
    /// # Errors
    /// A blank officer name, or a closed investigation.
    pub fn assign(&mut self, officer: &str, by: &str, at: &str) -> Result<(), WorkflowError> {
        let officer = officer.trim();
        if officer.is_empty() {
            return Err(WorkflowError::Blank("officer"));
        }
        let note = Note { by: by.to_owned(), at: at.to_owned(), text: format!("assigned to {officer}") };
        match &mut self.investigation {
            Some(i) if i.status == InvestigationStatus::Closed => return Err(WorkflowError::Closed),
            Some(i) => {
                i.officer = officer.to_owned();
                i.notes.push(note);
            }
            None => {
                self.investigation = Some(Investigation {
                    officer: officer.to_owned(),
                    status: InvestigationStatus::Assigned,
                    notes: vec![note],
                });
            }
        }
        if self.status == CaseStatus::Open {
            self.status = CaseStatus::UnderInvestigation;
        }
        Ok(())
    }

    /// Adds a note to the investigation and optionally moves it to a new status (closing it closes the case
    /// unless the case was referred).
    ///
    /// # Errors
    /// No investigation, a closed one, or a blank note.
    pub fn add_note(
        &mut self,
        text: &str,
        status: Option<InvestigationStatus>,
        by: &str,
        at: &str,
    ) -> Result<(), WorkflowError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(WorkflowError::Blank("note"));
        }
        let investigation = self.investigation.as_mut().ok_or(WorkflowError::NotAssigned)?;
        if investigation.status == InvestigationStatus::Closed {
            return Err(WorkflowError::Closed);
        }
        investigation.notes.push(Note { by: by.to_owned(), at: at.to_owned(), text: text.to_owned() });
        if let Some(status) = status {
            investigation.status = status;
            if status == InvestigationStatus::Closed && self.status != CaseStatus::Referred {
                self.status = CaseStatus::Closed;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A full case with names in every nominal field.
    pub(crate) fn sample() -> Case {
        serde_json::from_value(serde_json::json!({
            "date": "2025-03-14",
            "office": "Rotterdam Maasvlakte",
            "locode": "NLRTM",
            "detection_method": "x_ray",
            "commodity_area": "drugs",
            "commodity": "cocaine",
            "quantities": [{"amount": 120.5, "unit": "kg"}],
            "concealment": "mixed_with_cargo",
            "concealment_details": "in banana boxes",
            "conveyance": {"vessel_imo": "9074729", "vessel_name": "MSC Alma", "containers": ["CSQU3054383"]},
            "route": {"departure": "EC", "transit": ["PA"], "destination": "NL"},
            "persons": [{"name": "Jan de Vries", "date_of_birth": "1980-02-01", "nationality": "NL",
                         "documents": [{"kind": "passport", "number": "NX12345", "country": "NL"}],
                         "addresses": ["Kade 1, Rotterdam"], "phones": ["+31 6 1234 5678"]}],
            "companies": [{"name": "Tropical Fruit BV", "identifier": "NL123456789", "country": "NL"}],
            "narrative": "Jan de Vries was seen at the terminal"
        }))
        .expect("a valid case")
    }

    #[test]
    fn a_full_case_round_trips_through_json_and_has_no_problems() {
        let case = sample();
        let text = serde_json::to_string(&case).expect("JSON");
        let back: Case = serde_json::from_str(&text).expect("read back");
        assert_eq!(back, case);
        assert!(case.problems().is_empty(), "{:?}", case.problems());
        assert_eq!(case.route.label().as_deref(), Some("EC>PA>NL"));
    }

    #[test]
    fn a_container_number_with_a_wrong_check_digit_is_refused() {
        let mut json = serde_json::to_value(sample()).expect("JSON");
        json["conveyance"]["containers"][0] = "CSQU3054384".into();
        let error = serde_json::from_value::<Case>(json).expect_err("a bad check digit");
        assert!(error.to_string().contains("check digit"), "{error}");
    }

    #[test]
    fn problems_name_the_field_and_the_expectation() {
        let mut case = sample();
        case.office = " ".to_owned();
        case.quantities[0].amount = -1.0;
        case.restriction = Restriction { restricted: true, users: Vec::new(), roles: Vec::new() };
        let pointers: Vec<String> = case.problems().into_iter().map(|(p, _)| p).collect();
        assert_eq!(pointers, ["/office", "/quantities/0/amount", "/restriction"]);
    }

    #[test]
    fn a_restricted_case_admits_only_named_users_and_roles() {
        let restriction =
            Restriction { restricted: true, users: vec!["alice".to_owned()], roles: vec!["auditor".to_owned()] };
        assert!(restriction.admits("alice", "officer"));
        assert!(restriction.admits("bob", "auditor"));
        assert!(!restriction.admits("bob", "officer"));
        assert!(Restriction::default().admits("anyone", "officer"));
        assert_eq!(restriction.principals(), ["user:alice", "role:auditor"]);
    }

    #[test]
    fn the_assignment_workflow_moves_case_and_investigation_status() {
        let mut case = sample();
        assert_eq!(case.add_note("x", None, "a", "t"), Err(WorkflowError::NotAssigned));
        case.assign("bob", "chief", "2025-03-15T08:00:00Z").expect("assigned");
        assert_eq!(case.status, CaseStatus::UnderInvestigation);
        case.add_note("lab confirms cocaine", Some(InvestigationStatus::InProgress), "bob", "t1").expect("noted");
        case.add_note("done", Some(InvestigationStatus::Closed), "bob", "t2").expect("closed");
        assert_eq!(case.status, CaseStatus::Closed);
        assert_eq!(case.add_note("again", None, "bob", "t3"), Err(WorkflowError::Closed));
        let investigation = case.investigation.expect("an investigation");
        assert_eq!(investigation.notes.len(), 3);
    }
}
