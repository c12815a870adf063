//! Conversion into euro and the declaration threshold. Rates come from a file in the layout of
//! `data/cash/ecb-reference-rates.csv` (`currency,units_per_eur,date`); the ECB reference rates shipped there are
//! built in. A currency without a rate is an error naming it, never a silent zero.

use std::collections::BTreeMap;

use aduana_core::{CurrencyCode, Decimal};
use chrono::NaiveDate;
use serde::Serialize;

use crate::cash::declaration::Amount;

/// The rate file shipped with Aduana: ECB reference rates for 28 June 2024.
const BUILTIN: &str = include_str!("../../../../data/cash/ecb-reference-rates.csv");

/// Why a rate file could not be read or an amount could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateError {
    /// A line of a rate file is malformed.
    #[error("{file}:{line}: field {field}: expected {expected}, found `{found}`")]
    Malformed {
        /// The file name.
        file: String,
        /// The 1-based line.
        line: u64,
        /// The field.
        field: &'static str,
        /// What was expected.
        expected: &'static str,
        /// What was there.
        found: String,
    },
    /// A currency appears twice in a rate file.
    #[error("{file}:{line}: currency {currency} already has a rate on an earlier line")]
    Duplicate {
        /// The file name.
        file: String,
        /// The 1-based line.
        line: u64,
        /// The currency.
        currency: String,
    },
    /// An amount is in a currency the table has no rate for.
    #[error("no exchange rate for {currency} in the rate table ({source_name}); add it to the rate file")]
    NoRate {
        /// The currency.
        currency: String,
        /// Where the table came from.
        source_name: String,
    },
}

/// One rate: units of the currency per euro, on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rate {
    /// How many units of the currency one euro buys.
    pub units_per_eur: Decimal,
    /// The date the rate applies to.
    pub date: NaiveDate,
}

/// Rates into euro, by currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateTable {
    source_name: String,
    rates: BTreeMap<CurrencyCode, Rate>,
}

impl RateTable {
    /// The ECB reference rates shipped in `data/cash/ecb-reference-rates.csv`.
    ///
    /// # Panics
    /// Never: the shipped file is parsed by a unit test.
    pub fn builtin() -> RateTable {
        RateTable::parse(BUILTIN.as_bytes(), "data/cash/ecb-reference-rates.csv")
            .expect("the shipped rate file parses (checked by a unit test)")
    }

    /// Parses a rate file; `name` is used in error locations.
    pub fn parse(bytes: &[u8], name: &str) -> Result<RateTable, RateError> {
        let text = String::from_utf8_lossy(bytes);
        let mut rates = BTreeMap::new();
        let mut header_seen = false;
        for (index, raw) in text.lines().enumerate() {
            let line = index as u64 + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if !header_seen {
                header_seen = true;
                if trimmed.starts_with("currency") {
                    continue;
                }
            }
            let malformed = |field: &'static str, expected: &'static str, found: &str| RateError::Malformed {
                file: name.to_owned(),
                line,
                field,
                expected,
                found: found.to_owned(),
            };
            let fields: Vec<&str> = trimmed.split(',').map(str::trim).collect();
            if fields.len() != 3 {
                return Err(malformed("line", "3 fields: currency,units_per_eur,date", trimmed));
            }
            let currency =
                CurrencyCode::parse(fields[0]).map_err(|_| malformed("currency", "an ISO 4217 code", fields[0]))?;
            let units_per_eur: Decimal = fields[1]
                .parse()
                .ok()
                .filter(|v: &Decimal| *v > Decimal::ZERO)
                .ok_or_else(|| malformed("units_per_eur", "a positive decimal number", fields[1]))?;
            let date = NaiveDate::parse_from_str(fields[2], "%Y-%m-%d")
                .map_err(|_| malformed("date", "a date YYYY-MM-DD", fields[2]))?;
            if rates.contains_key(&currency) {
                return Err(RateError::Duplicate { file: name.to_owned(), line, currency: currency.to_string() });
            }
            rates.insert(currency, Rate { units_per_eur, date });
        }
        Ok(RateTable { source_name: name.to_owned(), rates })
    }

    /// Where the table came from.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The rate of a currency (EUR is always 1, dated by the newest rate in the table).
    pub fn rate(&self, currency: &CurrencyCode) -> Option<Rate> {
        if currency.as_str() == "EUR" {
            let date = self.rates.values().map(|r| r.date).max().unwrap_or_default();
            return Some(Rate { units_per_eur: Decimal::ONE, date });
        }
        self.rates.get(currency).copied()
    }

    /// The rates, by currency.
    pub fn rates(&self) -> impl Iterator<Item = (&CurrencyCode, &Rate)> {
        self.rates.iter()
    }

    /// Converts a value in a currency into euro, rounded to the cent (always with two decimals).
    pub fn to_eur(&self, currency: &CurrencyCode, value: Decimal) -> Result<Decimal, RateError> {
        let rate = self.rate(currency).ok_or_else(|| RateError::NoRate {
            currency: currency.to_string(),
            source_name: self.source_name.clone(),
        })?;
        let mut eur = (value / rate.units_per_eur).round_dp(2);
        eur.rescale(2);
        Ok(eur)
    }

    /// The sum of amounts in euro.
    pub fn total_eur(&self, amounts: &[Amount]) -> Result<Decimal, RateError> {
        let mut total = Decimal::ZERO;
        for amount in amounts {
            total += self.to_eur(&amount.currency, amount.value)?;
        }
        Ok(total)
    }
}

/// The amount from which cash must be declared, in euro (Art. 3 and 4: EUR 10,000 or more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Threshold {
    eur: Decimal,
}

impl Threshold {
    /// The threshold of Regulation 2018/1672 and FATF Recommendation 32 as the EU applies it.
    pub const EU_DEFAULT_EUR: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

    /// A threshold of a positive amount in euro; `None` for zero or less.
    pub fn new(eur: Decimal) -> Option<Threshold> {
        (eur > Decimal::ZERO).then_some(Threshold { eur })
    }

    /// The amount in euro.
    pub fn eur(self) -> Decimal {
        self.eur
    }

    /// Whether a total in euro reaches the threshold ("10,000 or more").
    pub fn is_reached_by(self, total_eur: Decimal) -> bool {
        total_eur >= self.eur
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> CurrencyCode {
        CurrencyCode::parse(text).expect("a currency code")
    }

    #[test]
    fn shipped_rate_file_parses_with_a_date_per_rate() {
        let table = RateTable::parse(BUILTIN.as_bytes(), "shipped").expect("the shipped file parses");
        assert_eq!(table.rates().count(), 30);
        let usd = table.rate(&code("USD")).expect("USD");
        assert_eq!(usd.units_per_eur, "1.0705".parse::<Decimal>().expect("decimal"));
        assert_eq!(usd.date, NaiveDate::from_ymd_opt(2024, 6, 28).expect("date"));
    }

    #[test]
    fn usd_is_converted_at_the_ecb_rate_and_eur_is_itself() {
        let table = RateTable::builtin();
        assert_eq!(table.to_eur(&code("USD"), Decimal::from(10_705)).expect("rate"), Decimal::from(10_000));
        assert_eq!(table.to_eur(&code("EUR"), Decimal::from(42)).expect("rate"), Decimal::from(42));
    }

    #[test]
    fn currency_without_a_rate_is_refused_with_its_name() {
        let table = RateTable::builtin();
        let error = table.to_eur(&code("NGN"), Decimal::from(1)).expect_err("no NGN rate");
        assert_eq!(
            error.to_string(),
            "no exchange rate for NGN in the rate table (data/cash/ecb-reference-rates.csv); add it to the rate file"
        );
    }

    #[test]
    fn malformed_rate_lines_are_located() {
        let cases: &[(&str, &str)] = &[
            (
                "currency,units_per_eur,date\nUSD,abc,2024-06-28\n",
                "rates.csv:2: field units_per_eur: expected a positive decimal number, found `abc`",
            ),
            ("USD,1.07\n", "rates.csv:1: field line: expected 3 fields: currency,units_per_eur,date, found `USD,1.07`"),
            ("ZZZ,1,2024-06-28\n", "rates.csv:1: field currency: expected an ISO 4217 code, found `ZZZ`"),
            ("USD,1,28.06.2024\n", "rates.csv:1: field date: expected a date YYYY-MM-DD, found `28.06.2024`"),
            ("USD,0,2024-06-28\n", "rates.csv:1: field units_per_eur: expected a positive decimal number, found `0`"),
            ("USD,1,2024-06-28\nUSD,2,2024-06-28\n", "rates.csv:2: currency USD already has a rate on an earlier line"),
        ];
        for (input, expected) in cases {
            let error = RateTable::parse(input.as_bytes(), "rates.csv").expect_err(input);
            assert_eq!(error.to_string(), *expected, "case {input:?}");
        }
    }

    #[test]
    fn threshold_is_reached_at_exactly_its_amount() {
        let threshold = Threshold::new(Threshold::EU_DEFAULT_EUR).expect("positive");
        assert!(threshold.is_reached_by(Decimal::from(10_000)));
        assert!(!threshold.is_reached_by("9999.99".parse().expect("decimal")));
        assert!(Threshold::new(Decimal::ZERO).is_none());
    }
}
