//! End-to-end tests of the `aduana` binary: each module runs the built binary the way a user would.

mod architecture; // the allowed dependency edges between workspace crates
mod assess; // `aduana assess` and `aduana profiles` on the shipped profiles and examples
mod browser; // the browser-test harness (headless Chromium via chromedriver) and the login test
mod browser_cases; // seizure cases in a browser: found examination → case, search box, case page, links, statistics
mod browser_cash; // the cash pages in a browser: record, structuring alert, sharing, FIU report
mod browser_exchange; // the exchange pages and "share as alert" from a consignment, in headless Chromium
mod browser_profiles; // the profile pages in headless Chromium: edit with inline errors, back-test, activate
mod browser_workbench; // the workbench in a browser: a red consignment to an examination result, dashboard, screening
mod cash; // `aduana cash`: import, structuring detection, FIU report, sharing
mod csv; // `aduana validate` on the KCS and flat CSV layouts
mod demo; // `aduana demo`: fresh data directory, credentials per role, assessed consignments served
mod edifact; // `aduana validate` on UN/EDIFACT CUSCAR interchanges
mod enforcement; // enforcement cases through `aduana serve` and `aduana import seizures`: examination → case, search, links, export
mod ens; // `aduana validate` on ENS IE315: structure and ICS business-rule errors
mod exchange; // `aduana exchange`: three nodes exchanging through the file-drop transport
mod exchange_https; // three `aduana serve --exchange` nodes over HTTPS: reading, forging, tampering, replay, restart
mod helpers; // running the binary in a fresh temporary directory
mod hs; // `aduana hs`
mod intake; // `aduana serve --intake`: NATS JetStream workers in two processes, across kill -9
mod learn; // `aduana train` and `aduana evaluate` on a KCS slice
mod profiles; // profiles, watch lists and the AEO register through `aduana serve`: live reload, back-tests
mod screen; // `aduana screen`: single names, batch CSV (quality figures on the yente files), list diffs
mod serve; // `aduana serve`, `users add` and `audit verify` end to end: auth, durability across kill -9, tamper detection
mod validate; // `aduana validate` on the canonical formats and the shipped examples
mod xml_formats; // `aduana validate` over the real Cargo-XML and WCO DM samples in ../shared/data
