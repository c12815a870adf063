# Drug precursor chemicals (UN 1988 Convention Tables I and II, INCB Red List) leaving for sensitive destinations.

profile PRE-001 {
  title: "Precursor chemicals to a sensitive destination"
  rationale: "Goods classified under headings that hold scheduled precursors (2914 ketones such as P-2-P, 2916 phenylacetic acid, 2922 amino-alcohols, 2932 safrole and piperonal, 2939 ephedrine and pseudoephedrine) are exported to a country on the precursor diversion watch list; check the export authorisation and the end user."
  owner: "Drug precursors team"
  valid: 2026-01-01 to open
  version: 4
  weight: 60
  severity: critical
  lane: red
  referral: high-risk-screening
  when: direction = export
    and goods.hs_code prefix [2914, 2916, 2922, 2932, 2939]
    and destination in list precursor_destinations
}

profile PRE-002 {
  title: "Precursor named in the goods description"
  rationale: "The goods description names a scheduled precursor (ephedrine, pseudoephedrine, P-2-P, safrole, piperonal, PMK, APAAN, ergometrine) whatever the declared HS code."
  owner: "Drug precursors team"
  valid: 2026-01-01 to open
  version: 2
  weight: 40
  severity: high
  lane: yellow
  referral: request-information
  when: goods.description matches "\\b(pseudo)?ephedrine|phenyl-?2-?propanone|\\bP-?2-?P\\b|safrole|piperonal|\\bPMK\\b|APAAN|ergometrine"
}
