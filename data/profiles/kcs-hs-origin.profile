# High-risk HS x origin combinations, derived from the KCS synthetic import declarations (training split,
# 2020, 37,385 declarations, base fraud rate 21.7%) with scripts/kcs_hs_origin_risk.py (support >= 30).

profile HSO-070320-CN {
  title: "Garlic from China"
  rationale: "In the KCS training data (2020), 62% of 37 declarations of HS 070320 (garlic) originating in China were found fraudulent, against a base rate of 22% (scripts/kcs_hs_origin_risk.py)."
  owner: "Risk analysis, tariff fraud"
  valid: 2026-01-01 to 2026-12-31
  version: 1
  weight: 30
  severity: medium
  lane: yellow
  select: 50%
  when: goods.hs_code = 070320 and goods.origin = CN
}

profile HSO-091011-CN {
  title: "Ginger from China"
  rationale: "In the KCS training data (2020), 59% of 86 declarations of HS 091011 (ginger) originating in China were found fraudulent, against a base rate of 22% (scripts/kcs_hs_origin_risk.py)."
  owner: "Risk analysis, tariff fraud"
  valid: 2026-01-01 to 2026-12-31
  version: 1
  weight: 30
  severity: medium
  lane: yellow
  select: 50%
  when: goods.hs_code = 091011 and goods.origin = CN
}

profile HSO-870899-CN {
  title: "Motor vehicle parts from China"
  rationale: "In the KCS training data (2020), 53% of 83 declarations of HS 870899 (other motor vehicle parts) originating in China were found fraudulent, against a base rate of 22% (scripts/kcs_hs_origin_risk.py)."
  owner: "Risk analysis, tariff fraud"
  valid: 2026-01-01 to 2026-12-31
  version: 1
  weight: 25
  severity: medium
  lane: yellow
  select: 30%
  when: goods.hs_code = 870899 and goods.origin = CN
}

profile HSO-MIXED {
  title: "Other high-risk HS and origin combinations"
  rationale: "In the KCS training data (2020) these HS6 x origin pairs had fraud rates of 51-55% with at least 41 declarations each (901890 US, 711719 JP, 853400 CN, 854449 CN, 731815 CN), against a base rate of 22% (scripts/kcs_hs_origin_risk.py)."
  owner: "Risk analysis, tariff fraud"
  valid: 2026-01-01 to 2026-12-31
  version: 1
  weight: 20
  severity: medium
  lane: yellow
  select: 25%
  when: (goods.hs_code = 901890 and goods.origin = US)
     or (goods.hs_code = 711719 and goods.origin = JP)
     or (goods.hs_code in [853400, 854449, 731815] and goods.origin = CN)
}
