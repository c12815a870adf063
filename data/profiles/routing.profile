# Route and origin: transshipment through hubs and declared origins the route does not support.

profile RTE-001 {
  title: "Origin circumvention of trade defence duties"
  rationale: "Goods under anti-dumping or countervailing duties on Chinese origin (photovoltaic modules, steel tubes, aluminium extrusions) are declared as originating in a neighbouring country but were dispatched from China: the declared origin is not on the route."
  owner: "Origin and trade defence unit"
  valid: 2026-01-01 to open
  version: 2
  weight: 45
  severity: high
  lane: red
  when: goods.hs_code prefix [8541, 7306, 7604]
    and goods.origin in [VN, MY, TH, KH, ID, LA]
    and dispatch = CN
}

profile RTE-002 {
  title: "Transshipment through a free-zone hub"
  rationale: "High-value electronics routed through a free-zone transshipment hub, where origin can be laundered and documents replaced; check the through bill of lading."
  owner: "Origin and trade defence unit"
  valid: 2026-01-01 to open
  version: 1
  weight: 15
  severity: low
  lane: yellow
  select: 20%
  when: goods.hs_code prefix [84, 85] and route in list transshipment_hubs and goods.value > 100000
}
