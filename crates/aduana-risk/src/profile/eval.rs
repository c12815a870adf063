//! Evaluating a profile's condition against one consignment (and one goods item), with the evidence that made it
//! hold.

use aduana_core::{Consignment, Direction, Evidence, GoodsItem, Party, Place, Text, TransportMode};
use chrono::NaiveDateTime;

use crate::context::ReferenceData;
use crate::profile::{Expr, Field, Op, Test};

/// What a condition is evaluated against: the consignment, the goods item in focus, the reference data and time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Env<'a> {
    pub(crate) consignment: &'a Consignment,
    pub(crate) item: Option<(usize, &'a GoodsItem)>,
    pub(crate) reference: &'a ReferenceData,
    pub(crate) as_of: NaiveDateTime,
}

/// One value of a field.
#[derive(Debug, Clone, Copy)]
enum Val<'a> {
    Str(&'a str),
    Num(f64),
    /// A unit price ratio: the ratio, the value per kilogram and the norm.
    Ratio(f64, f64, f64),
}

/// Where a value is in the consignment; rendered to a model path only when evidence is recorded.
#[derive(Debug, Clone, Copy)]
enum Path<'a> {
    Static(&'static str),
    Goods(usize, &'static str),
    Route(usize),
    Party(usize, &'static str),
    PartyId(usize, usize),
    Attribute(&'a str),
}

impl Path<'_> {
    /// Renders the path (by hand rather than with `format!`: evidence is built for every hit): its parts copied
    /// into one allocation of the exact size.
    fn render(self) -> Text {
        let index = |i: usize| match DIGITS.get(i) {
            Some(digit) => std::borrow::Cow::Borrowed(*digit),
            None => std::borrow::Cow::Owned(i.to_string()),
        };
        match self {
            // A static path is borrowed when it is too long to be inline; a short one is copied by `Text::from`'s
            // word loads (`Text::const_new` at run time copies it byte by byte).
            Path::Static(s) if s.len() <= std::mem::size_of::<Text>() => Text::from(s),
            Path::Static(s) => Text::const_new(s),
            Path::Goods(i, f) => join(&["goods[", &index(i), "].", f]),
            Path::Route(i) => match ROUTE_PATHS.get(i) {
                Some(path) => Text::const_new(path),
                None => join(&["itinerary.routing_countries[", &index(i), "]"]),
            },
            Path::Party(i, f) => join(&["parties[", &index(i), "].", f]),
            Path::PartyId(i, j) => join(&["parties[", &index(i), "].identifiers[", &index(j), "].value"]),
            Path::Attribute(name) => join(&["attributes.", name]),
        }
    }
}

/// The paths of the first ten routing countries, written out (longer than `Text` holds inline).
const ROUTE_PATHS: [&str; 10] = [
    "itinerary.routing_countries[0]",
    "itinerary.routing_countries[1]",
    "itinerary.routing_countries[2]",
    "itinerary.routing_countries[3]",
    "itinerary.routing_countries[4]",
    "itinerary.routing_countries[5]",
    "itinerary.routing_countries[6]",
    "itinerary.routing_countries[7]",
    "itinerary.routing_countries[8]",
    "itinerary.routing_countries[9]",
];

/// The decimal digits, for the common small indices.
const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// Concatenates the parts: inline up to 24 bytes, otherwise into one allocation of the exact size.
fn join(parts: &[&str]) -> Text {
    let mut out = Text::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

impl Val<'_> {
    fn render(self) -> Text {
        match self {
            Val::Str(s) => Text::from(s),
            Val::Num(n) => number_text(n),
            Val::Ratio(r, per_kg, norm) => Text::from(format!(
                "{} (value per kg {} against a norm of {})",
                format_number(r),
                format_number(per_kg),
                format_number(norm)
            )),
        }
    }
}

/// A goods field as evidence names it, with its paths for the first ten goods items written out as `Text`
/// (inline: they are at most 24 bytes), so that the evidence of a hit copies a path's 24 bytes instead of
/// assembling it (`Text::const_new` at run time copies a short string byte by byte).
#[derive(Debug)]
pub(super) struct GoodsName {
    name: &'static str,
    paths: [Text; 10],
}

impl GoodsName {
    fn path(&self, item: usize) -> Text {
        match self.paths.get(item) {
            Some(path) => path.clone(),
            None => Path::Goods(item, self.name).render(),
        }
    }
}

/// The [`GoodsName`] of a field name (a table of ten paths).
macro_rules! goods_name {
    ($name:literal) => {
        GoodsName {
            name: $name,
            paths: [
                Text::const_new(concat!("goods[0].", $name)),
                Text::const_new(concat!("goods[1].", $name)),
                Text::const_new(concat!("goods[2].", $name)),
                Text::const_new(concat!("goods[3].", $name)),
                Text::const_new(concat!("goods[4].", $name)),
                Text::const_new(concat!("goods[5].", $name)),
                Text::const_new(concat!("goods[6].", $name)),
                Text::const_new(concat!("goods[7].", $name)),
                Text::const_new(concat!("goods[8].", $name)),
                Text::const_new(concat!("goods[9].", $name)),
            ],
        }
    };
}

// Statics, not constants: a constant `Text` table would be built anew (and dropped) at each use.
pub(super) static HS_CODE: GoodsName = goods_name!("hs_code");
pub(super) static ORIGIN_COUNTRY: GoodsName = goods_name!("origin_country");
pub(super) static DESCRIPTION: GoodsName = goods_name!("description");
pub(super) static VALUE_AMOUNT: GoodsName = goods_name!("value.amount");
pub(super) static NET_MASS: GoodsName = goods_name!("net_mass_kg");
pub(super) static GROSS_MASS: GoodsName = goods_name!("gross_mass_kg");

/// Every pair of upper-case letters, one after the other (`AAABAC…ZZ`).
const LETTER_PAIRS: &str = match std::str::from_utf8(&LETTER_PAIR_BYTES) {
    Ok(pairs) => pairs,
    Err(_) => panic!("upper-case letters are UTF-8"),
};
const LETTER_PAIR_BYTES: [u8; 2 * 26 * 26] = letter_pairs();

const fn letter_pairs() -> [u8; 2 * 26 * 26] {
    let mut bytes = [0; 2 * 26 * 26];
    let mut i = 0;
    while i < 26 * 26 {
        bytes[2 * i] = b'A' + (i / 26) as u8;
        bytes[2 * i + 1] = b'A' + (i % 26) as u8;
        i += 1;
    }
    bytes
}

/// Returns a country code's text: for the usual two upper-case letters a slice of [`LETTER_PAIRS`], which is
/// had without the UTF-8 check `CountryCode::as_str` makes of the code's bytes (evidence is built for every hit).
pub(super) fn country_str(code: &aduana_core::CountryCode) -> &str {
    match *code.as_bytes() {
        [first @ b'A'..=b'Z', second @ b'A'..=b'Z'] => {
            let at = 2 * (26 * usize::from(first - b'A') + usize::from(second - b'A'));
            LETTER_PAIRS.get(at..at + 2).unwrap_or_else(|| code.as_str())
        }
        _ => code.as_str(),
    }
}

/// Returns the evidence of a goods item's field: its path (`goods[i].<name>`) and its text value.
pub(super) fn goods_evidence(item: usize, name: &GoodsName, value: &str) -> Evidence {
    Evidence { field: name.path(item), value: value.into() }
}

/// Returns the evidence of a goods item's numeric field.
pub(super) fn goods_number_evidence(item: usize, name: &GoodsName, value: f64) -> Evidence {
    Evidence { field: name.path(item), value: Val::Num(value).render() }
}

/// Returns the evidence of a consignment-level field at a fixed path.
pub(super) fn static_evidence(path: &'static str, value: &str) -> Evidence {
    Evidence { field: Path::Static(path).render(), value: value.into() }
}

/// Returns the evidence of a routing country.
pub(super) fn route_evidence(j: usize, value: &str) -> Evidence {
    Evidence { field: Path::Route(j).render(), value: value.into() }
}

/// Formats a number with at most four decimals and no trailing zeros.
pub(crate) fn format_number(n: f64) -> String {
    if n.is_infinite() {
        return "never".to_owned();
    }
    // Whole numbers (most values and masses) print as integers, which is what the general form gives them, without
    // the cost of formatting a float.
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return (n as i64).to_string();
    }
    let text = format!("{n:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_owned() } else { text.to_owned() }
}

/// [`format_number`] straight into a `Text`: a whole number (most values and masses) is written by `itoa` into a
/// buffer on the stack and copied inline, without the `String` `format_number` allocates (and `Text` would copy
/// and free).
pub(crate) fn number_text(n: f64) -> Text {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        // `-0.0 as i64` is 0, written "0" as `format_number` writes it.
        return Text::from(itoa::Buffer::new().format(n as i64));
    }
    format_number(n).into()
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Import => "import",
        Direction::Export => "export",
        Direction::Transit => "transit",
    }
}

fn mode_name(m: TransportMode) -> &'static str {
    match m {
        TransportMode::Sea => "sea",
        TransportMode::Rail => "rail",
        TransportMode::Road => "road",
        TransportMode::Air => "air",
        TransportMode::Postal => "postal",
        TransportMode::FixedInstallation => "fixed_installation",
        TransportMode::InlandWaterway => "inland_waterway",
        _ => "other",
    }
}

/// Converts a decimal to `f64` from its mantissa and scale (`Decimal::to_f64` goes through text and is ~20 times
/// slower; the comparisons here need no more than `f64` precision).
pub(super) fn decimal(d: Option<rust_decimal::Decimal>) -> Option<f64> {
    let d = d?;
    const POWERS: [f64; 29] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28,
    ];
    let scale = POWERS.get(d.scale() as usize).copied().unwrap_or(1e28);
    // The mantissa's magnitude from its 32-bit parts (documented layout of `serialize`: flags, then low, middle
    // and high words, little-endian): when the high word is 0 it converts from `u64`, a single instruction,
    // where converting the `i128` of `mantissa()` is a call to a software routine (LLVM turns a checked
    // narrowing to `i64` back into it). The same value either way: every conversion rounds to nearest, and
    // rounding is symmetric, so negating after converting and dividing is exact; a zero stays +0 whatever its
    // sign flag, as `mantissa()` gives it.
    let bytes = d.serialize();
    let word = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let magnitude = if word(12) == 0 {
        (u64::from(word(8)) << 32 | u64::from(word(4))) as f64
    } else {
        d.mantissa().unsigned_abs() as f64
    };
    let value = magnitude / scale;
    Some(if d.is_sign_negative() && magnitude != 0.0 { -value } else { value })
}

impl<'a> Env<'a> {
    /// Calls `f` with each value of the field until it returns true; returns whether it did.
    /// Generic over `f` (not `dyn`) so that each test's check is inlined into the walk over the field's values.
    #[inline]
    fn visit<F: FnMut(Val<'a>, Path<'a>) -> bool>(&self, field: &'a Field, f: &mut F) -> bool {
        let c = self.consignment;
        let place = |p: &'a Option<Place>| p.as_ref().and_then(|p| p.locode.as_ref()).map(|l| l.as_str());
        fn one<'a, F: FnMut(Val<'a>, Path<'a>) -> bool>(v: Option<Val<'a>>, path: Path<'a>, f: &mut F) -> bool {
            v.is_some_and(|v| f(v, path))
        }
        if field.is_goods() {
            let Some((i, item)) = self.item else { return false };
            let (value, name): (Option<Val<'a>>, &'static str) = match field {
                Field::HsCode => (item.hs_code.as_ref().map(|h| Val::Str(h.as_str())), "hs_code"),
                Field::Origin => (item.origin_country.as_ref().map(|o| Val::Str(o.as_str())), "origin_country"),
                Field::Description => (item.description.as_deref().map(Val::Str), "description"),
                Field::Value => (decimal(item.value.as_ref().map(|v| v.amount)).map(Val::Num), "value.amount"),
                Field::Currency => (item.value.as_ref().map(|v| Val::Str(v.currency.as_str())), "value.currency"),
                Field::NetMass => (decimal(item.net_mass_kg).map(Val::Num), "net_mass_kg"),
                Field::GrossMass => (decimal(item.gross_mass_kg).map(Val::Num), "gross_mass_kg"),
                Field::ValuePerKg => (decimal(item.value_per_kg()).map(Val::Num), "value"),
                Field::UnitPriceRatio => (self.unit_price_ratio(item), "value"),
                Field::UnNumber => (item.un_number.as_ref().map(|u| Val::Str(u.as_str())), "un_number"),
                Field::DutyRate => {
                    (decimal(item.duty.as_ref().and_then(|d| d.rate_percent)).map(Val::Num), "duty.rate_percent")
                }
                _ => (None, ""),
            };
            return one(value, Path::Goods(i, name), f);
        }
        match field {
            Field::Reference => f(Val::Str(c.reference.as_str()), Path::Static("reference")),
            Field::Direction => f(Val::Str(direction_name(c.direction)), Path::Static("direction")),
            Field::Mode => {
                one(c.mode_of_transport.map(|m| Val::Str(mode_name(m))), Path::Static("mode_of_transport"), f)
            }
            Field::CustomsOffice => one(c.customs_office.as_deref().map(Val::Str), Path::Static("customs_office"), f),
            Field::Dispatch => one(
                c.itinerary.country_of_dispatch.as_ref().map(|x| Val::Str(x.as_str())),
                Path::Static("itinerary.country_of_dispatch"),
                f,
            ),
            Field::Destination => one(
                c.itinerary.country_of_destination.as_ref().map(|x| Val::Str(x.as_str())),
                Path::Static("itinerary.country_of_destination"),
                f,
            ),
            Field::Route => {
                let it = &c.itinerary;
                if let Some(d) = &it.country_of_dispatch
                    && f(Val::Str(d.as_str()), Path::Static("itinerary.country_of_dispatch"))
                {
                    return true;
                }
                for (name, p) in [
                    ("itinerary.place_of_acceptance.country", &it.place_of_acceptance),
                    ("itinerary.place_of_loading.country", &it.place_of_loading),
                    ("itinerary.first_place_of_entry.country", &it.first_place_of_entry),
                    ("itinerary.place_of_discharge.country", &it.place_of_discharge),
                    ("itinerary.place_of_delivery.country", &it.place_of_delivery),
                ] {
                    if let Some(country) = p.as_ref().and_then(|p| p.country.as_ref())
                        && f(Val::Str(country.as_str()), Path::Static(name))
                    {
                        return true;
                    }
                }
                for (j, country) in it.routing_countries.iter().enumerate() {
                    if f(Val::Str(country.as_str()), Path::Route(j)) {
                        return true;
                    }
                }
                it.country_of_destination
                    .as_ref()
                    .is_some_and(|d| f(Val::Str(d.as_str()), Path::Static("itinerary.country_of_destination")))
            }
            Field::Loading => one(
                place(&c.itinerary.place_of_loading).map(Val::Str),
                Path::Static("itinerary.place_of_loading.locode"),
                f,
            ),
            Field::Discharge => one(
                place(&c.itinerary.place_of_discharge).map(Val::Str),
                Path::Static("itinerary.place_of_discharge.locode"),
                f,
            ),
            Field::Entry => one(
                place(&c.itinerary.first_place_of_entry).map(Val::Str),
                Path::Static("itinerary.first_place_of_entry.locode"),
                f,
            ),
            Field::Delivery => one(
                place(&c.itinerary.place_of_delivery).map(Val::Str),
                Path::Static("itinerary.place_of_delivery.locode"),
                f,
            ),
            Field::HoursToArrival => {
                let hours = c.itinerary.arrival.map(|a| (a - self.as_of).num_minutes() as f64 / 60.0);
                one(hours.map(Val::Num), Path::Static("itinerary.arrival"), f)
            }
            Field::PartyId(role) => self.parties(*role).any(|(i, p)| {
                p.identifiers.iter().enumerate().any(|(j, id)| f(Val::Str(id.value.as_str()), Path::PartyId(i, j)))
            }),
            Field::PartyCountry(role) => self.parties(*role).any(|(i, p)| {
                p.country().is_some_and(|country| f(Val::Str(country.as_str()), Path::Party(i, "address.country")))
            }),
            Field::PartyName(role) => self
                .parties(*role)
                .any(|(i, p)| p.name.as_deref().is_some_and(|n| f(Val::Str(n), Path::Party(i, "name")))),
            Field::PartyDaysSinceLast(role) => self.parties(*role).any(|(i, p)| {
                let Some(days) = self.reference.history.days_since_last(p, self.as_of.date()) else {
                    return false;
                };
                let path = match p.identifiers.first() {
                    Some(_) => Path::PartyId(i, 0),
                    None => Path::Party(i, "name"),
                };
                f(Val::Num(days), path)
            }),
            Field::Attribute(name) => {
                one(c.attributes.get(name.as_str()).map(|v| Val::Str(v.as_str())), Path::Attribute(name.as_str()), f)
            }
            _ => false,
        }
    }

    fn parties(&self, role: aduana_core::PartyRole) -> impl Iterator<Item = (usize, &'a Party)> {
        self.consignment.parties.iter().enumerate().filter(move |(_, p)| p.role == role)
    }

    fn unit_price_ratio(&self, item: &GoodsItem) -> Option<Val<'a>> {
        let hs = item.hs_code.as_ref()?;
        let value = item.value.as_ref()?;
        let norm = self.reference.norms.lookup_bytes(hs.as_bytes(), value.currency.as_bytes())?;
        let per_kg = decimal(item.value_per_kg())?;
        (norm > 0.0).then(|| Val::Ratio(per_kg / norm, per_kg, norm))
    }

    /// Evaluates a condition; when `evidence` is given, records the values that made each test hold.
    pub(crate) fn eval(&self, expr: &'a Expr, mut evidence: Option<&mut Vec<Evidence>>) -> bool {
        match expr {
            Expr::And(parts) => {
                let mark = evidence.as_ref().map_or(0, |e| e.len());
                for part in parts {
                    if !self.eval(part, evidence.as_deref_mut()) {
                        if let Some(e) = evidence {
                            e.truncate(mark);
                        }
                        return false;
                    }
                }
                true
            }
            Expr::Or(parts) => parts.iter().any(|part| self.eval(part, evidence.as_deref_mut())),
            Expr::Not(inner) => !self.eval(inner, None),
            Expr::Test(test) => self.test(test, evidence),
        }
    }

    pub(super) fn test(&self, test: &'a Test, evidence: Option<&mut Vec<Evidence>>) -> bool {
        let lists = &self.reference.lists;
        let mut found: Option<(Val<'a>, Path<'a>)> = None;
        let mut check = |v: Val<'a>, path: Path<'a>| {
            let ok = match (&test.op, v) {
                (Op::Eq(s) | Op::Ne(s), Val::Str(v)) => eq_upper(v, s),
                (Op::In(set) | Op::NotIn(set), Val::Str(v)) => in_set(v, set),
                (Op::Prefix(prefixes), Val::Str(v)) => prefixes
                    .iter()
                    .any(|p| v.len() >= p.len() && v.is_char_boundary(p.len()) && eq_upper(&v[..p.len()], p)),
                (Op::Contains(needle), Val::Str(v)) => v.to_lowercase().contains(needle.as_str()),
                (Op::Matches(regex), Val::Str(v)) => regex.is_match(v),
                (Op::InList(name), Val::Str(v)) => lists.get(name).is_some_and(|l| l.contains(v)),
                (Op::Exists, _) => true,
                (Op::Cmp(cmp, x), Val::Num(n) | Val::Ratio(n, _, _)) => cmp.holds(n, *x),
                _ => false,
            };
            if ok {
                found = Some((v, path));
            }
            ok
        };
        let any = self.visit(&test.field, &mut check);
        let holds = match test.op {
            Op::Ne(_) | Op::NotIn(_) => !any,
            _ => any,
        };
        if holds && let (Some(evidence), Some((v, path))) = (evidence, found.filter(|_| any)) {
            evidence.push(Evidence { field: path.render(), value: v.render() });
        }
        holds
    }
}

fn eq_upper(value: &str, upper: &str) -> bool {
    if value.is_ascii() { value.eq_ignore_ascii_case(upper) } else { value.to_uppercase() == upper }
}

fn in_set(value: &str, set: &[String]) -> bool {
    if value.bytes().any(|b| b.is_ascii_lowercase()) || !value.is_ascii() {
        let upper = value.to_uppercase();
        set.binary_search_by(|s| s.as_str().cmp(upper.as_str())).is_ok()
    } else {
        set.binary_search_by(|s| s.as_str().cmp(value)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals_convert_as_their_mantissa_does() {
        use rust_decimal::Decimal;
        let mut cases = vec![Decimal::ZERO, Decimal::MAX, Decimal::MIN, Decimal::new(-0, 3), -Decimal::ZERO];
        for (mantissa, scale) in [
            (1i64, 0u32),
            (-1, 0),
            (123_456, 2),
            (-123_456, 2),
            (i64::MAX, 0),
            (i64::MIN, 4),
            (u32::MAX as i64, 0),
            (1 << 53, 0),
            ((1 << 53) + 1, 0),
            (987_654_321_987, 28),
        ] {
            cases.push(Decimal::new(mantissa, scale));
        }
        cases.push(Decimal::from_i128_with_scale(i128::from(u64::MAX) + 12_345, 3));
        cases.push(Decimal::from_i128_with_scale(-(1i128 << 90) - 7, 10));
        for d in cases {
            // (The power as the literal `1e<scale>` is, correctly rounded.)
            let power: f64 = format!("1e{}", d.scale()).parse().expect("a number");
            let expected = d.mantissa() as f64 / power;
            let got = super::decimal(Some(d)).expect("a value");
            assert_eq!(got.to_bits(), expected.to_bits(), "{d:?}");
        }
    }

    use super::{DESCRIPTION, GROSS_MASS, GoodsName, HS_CODE, NET_MASS, ORIGIN_COUNTRY, Path, VALUE_AMOUNT};

    #[test]
    fn written_out_goods_paths_are_the_rendered_ones() {
        let names: [(&GoodsName, &'static str); 6] = [
            (&HS_CODE, "hs_code"),
            (&ORIGIN_COUNTRY, "origin_country"),
            (&DESCRIPTION, "description"),
            (&VALUE_AMOUNT, "value.amount"),
            (&NET_MASS, "net_mass_kg"),
            (&GROSS_MASS, "gross_mass_kg"),
        ];
        for (goods_name, name) in names {
            // Past the tenth item the path is rendered: both sides of the table's edge.
            for item in [0, 1, 9, 10, 11, 123] {
                assert_eq!(goods_name.path(item), Path::Goods(item, name).render(), "{name} of item {item}");
                assert_eq!(goods_name.path(item), format!("goods[{item}].{name}"), "{name} of item {item}");
            }
        }
        for j in [0, 1, 9, 10, 12, 123] {
            assert_eq!(Path::Route(j).render(), format!("itinerary.routing_countries[{j}]"), "routing country {j}");
        }
        assert_eq!(Path::PartyId(3, 10).render(), "parties[3].identifiers[10].value");
    }
}
