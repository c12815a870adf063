//! The AEO indicator: when a party responsible for the consignment (importer or consignee on import, exporter or
//! consignor on export and transit) holds a recognised, valid authorisation on `as_of`, the consignment gets the
//! AEO benefit; a suspended or revoked authorisation is reported with no weight so the officer sees it.

use aduana_core::{Consignment, Direction, Evidence, Hit, PartyRole, Text};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};

/// Applies the AEO register.
#[derive(Debug, Clone, Copy)]
pub struct AeoIndicator;

fn relevant_roles(direction: Direction) -> &'static [PartyRole] {
    match direction {
        Direction::Import => &[PartyRole::Importer, PartyRole::Consignee, PartyRole::Declarant],
        Direction::Export | Direction::Transit => &[PartyRole::Exporter, PartyRole::Consignor, PartyRole::Declarant],
    }
}

impl Indicator for AeoIndicator {
    fn name(&self) -> &str {
        "aeo"
    }

    fn version(&self, ctx: &RiskContext) -> Option<Text> {
        (!ctx.aeo.operators().is_empty()).then(|| ctx.aeo.version.as_str().into())
    }

    fn assess(&self, consignment: &Consignment, ctx: &RiskContext, signals: &mut Signals) {
        if ctx.aeo.operators().is_empty() {
            return;
        }
        let date = ctx.as_of.date();
        let roles = relevant_roles(consignment.direction);
        let mut benefit: Option<Hit> = None;
        let mut notices = Vec::new();
        for (i, party) in consignment.parties.iter().enumerate() {
            if !roles.contains(&party.role) {
                continue;
            }
            for (j, identifier) in party.identifiers.iter().enumerate() {
                for operator in ctx.aeo.lookup(identifier) {
                    let evidence = vec![
                        Evidence {
                            field: format!("parties[{i}].identifiers[{j}].value").into(),
                            value: identifier.value.to_string().into(),
                        },
                        Evidence { field: "aeo.programme".into(), value: operator.programme.clone().into() },
                    ];
                    if operator.benefits_on(date) {
                        if benefit.is_none() {
                            let under = operator.recognised_under.as_deref().unwrap_or("national");
                            benefit = Some(Hit {
                                indicator: "aeo".into(),
                                id: operator.identifier.clone().into(),
                                version: ctx.aeo.version.clone().into(),
                                weight: ctx.policy.aeo_weight,
                                lane: None,
                                referrals: Vec::new(),
                                hard: false,
                                evidence,
                                reason: format!(
                                    "The {} {} ({}) is an authorised economic operator under {} (recognised: {under}); \
                                     the consignment stays green unless a hard hit requires control.",
                                    party.role.as_str(),
                                    operator.name,
                                    operator.identifier,
                                    operator.programme
                                )
                                .into(),
                            });
                        }
                    } else {
                        let why = if operator.recognised_under.is_none() {
                            format!("its programme {} is not recognised here", operator.programme)
                        } else if operator.status != crate::aeo::AeoStatus::Valid {
                            format!("its authorisation is {}", operator.status.as_str())
                        } else {
                            format!("its authorisation is not valid on {date}")
                        };
                        notices.push(Hit {
                            indicator: "aeo".into(),
                            id: operator.identifier.clone().into(),
                            version: ctx.aeo.version.clone().into(),
                            weight: 0.0,
                            lane: None,
                            referrals: Vec::new(),
                            hard: false,
                            evidence,
                            reason: format!(
                                "The {} {} is on the AEO register but gets no benefit: {why}.",
                                party.role.as_str(),
                                operator.name
                            )
                            .into(),
                        });
                    }
                }
            }
        }
        signals.hits.extend(benefit);
        if signals.hits.iter().all(|h| h.indicator != "aeo" || h.weight == 0.0) {
            signals.hits.extend(notices);
        }
    }
}
