//! Fuzzes the validated-code parsers: none may panic, and every accepted code must parse again from its own
//! canonical string form to the same value.
#![no_main]

use aduana_core::{AirWaybillNumber, ContainerNumber, CountryCode, CurrencyCode, HsCode, ImoNumber, LoCode, UnNumber};
use libfuzzer_sys::fuzz_target;

macro_rules! round_trip {
    ($s:expr, $($ty:ty),*) => {$(
        if let Ok(code) = <$ty>::parse($s) {
            assert_eq!(<$ty>::parse(code.as_str()).ok(), Some(code));
        }
    )*};
}

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        round_trip!(s, HsCode, CountryCode, CurrencyCode, LoCode, ContainerNumber, ImoNumber, AirWaybillNumber, UnNumber);
    }
});
