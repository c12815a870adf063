# Safety and security: dangerous goods, late filing, watch-listed parties, new importers.

profile DG-001 {
  title: "Lithium batteries by air without a UN number"
  rationale: "The description says lithium batteries but no UN number (UN3480/3481/3090/3091) is declared: undeclared lithium batteries are a fire risk in aircraft holds."
  owner: "Aviation security"
  valid: 2026-01-01 to open
  version: 3
  weight: 50
  severity: critical
  lane: red
  referral: do-not-load
  when: mode = air and goods.description matches "lithium|li-ion|\\bbatter(y|ies)\\b" and not goods.un_number exists
}

profile DG-002 {
  title: "Dangerous goods described as general cargo"
  rationale: "The description suggests flammable or pressurised goods (aerosols, paint, solvents, fireworks) without a UN number: dangerous goods declared as general cargo."
  owner: "Dangerous goods team"
  valid: 2026-01-01 to open
  version: 1
  weight: 25
  severity: medium
  lane: yellow
  referral: request-information
  when: goods.description matches "aerosol|spray paint|solvent|firework|flammable|lighter" and not goods.un_number exists
}

profile SEC-001 {
  title: "Party on the watch list"
  rationale: "A consignee or importer identifier is on the enforcement watch list (earlier seizures or an open investigation)."
  owner: "Intelligence unit"
  valid: 2026-01-01 to open
  version: 5
  weight: 70
  severity: critical
  lane: red
  when: consignee.id in list watch_parties or importer.id in list watch_parties
}

profile SEC-002 {
  title: "Late filing of sea cargo information"
  rationale: "Sea cargo information arrived less than 24 hours before arrival: too late for pre-loading or pre-arrival risk analysis."
  owner: "Risk analysis"
  valid: 2026-01-01 to open
  version: 1
  weight: 10
  severity: low
  lane: yellow
  select: 50%
  when: mode = sea and hours_to_arrival < 24 and hours_to_arrival > -240
}

profile NEW-001 {
  title: "First consignment of this importer in a year, high value"
  rationale: "The importer or consignee has had no consignment in the last 365 days (history summary) and declares goods worth more than 50,000: new or dormant traders are over-represented in fraud."
  owner: "Risk analysis"
  valid: 2026-01-01 to open
  version: 1
  weight: 15
  severity: low
  lane: yellow
  when: (importer.days_since_last > 365 or consignee.days_since_last > 365) and goods.value > 50000
}
