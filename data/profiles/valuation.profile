# Valuation profiles: declared values far below the norm for the HS code.
# Norms are reference data in norms.csv (value per kilogram by HS prefix and currency).

profile VAL-001 {
  title: "Unit price far below the HS norm"
  rationale: "The declared value per kilogram is less than 35% of the norm for the HS code, a typical sign of undervaluation to reduce duty; ask for the invoice and proof of payment."
  owner: "Valuation unit"
  valid: 2026-01-01 to 2027-12-31
  version: 3
  weight: 35
  severity: high
  lane: yellow
  referral: request-information
  when: goods.unit_price_ratio < 0.35
}

profile VAL-002 {
  title: "Photovoltaic modules at a dumping price"
  rationale: "Photovoltaic cells and modules (HS 8541.42/8541.43) declared under 50% of the norm price: anti-dumping and countervailing duties make undervaluation of these goods profitable."
  owner: "Valuation unit"
  valid: 2026-01-01 to open
  version: 2
  weight: 30
  severity: high
  lane: red
  when: goods.hs_code prefix [854142, 854143] and goods.unit_price_ratio < 0.5
}
