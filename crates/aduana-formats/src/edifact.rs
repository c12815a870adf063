//! UN/EDIFACT interchanges (syntax versions 3 and 4) and the CUSCAR customs cargo report. The syntax layer
//! ([`lexer`], [`segment`], [`interchange`]) streams an interchange one message at a time through a reused buffer,
//! checking UNB/UNG/UNH/UNT/UNE/UNZ envelopes; [`cuscar`] maps each CUSCAR message to consignments.

pub(crate) mod cuscar;
mod interchange;
mod lexer;
mod segment;
#[cfg(test)]
mod tests;

use std::io::BufRead;

pub use interchange::Summary;

use crate::{Limits, ReadError, Sink};

/// Reads every CUSCAR message of every interchange in `input` into consignments.
pub(crate) fn read(
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<(), ReadError> {
    let mut map = |message: &interchange::Message<'_>, sink: &mut dyn Sink, out: &mut Vec<aduana_core::Consignment>| {
        cuscar::map(message, limits, sink, out);
    };
    interchange::read(input, source, limits, sink, &mut map)
        .map(|_| ())
        .map_err(|source_error| ReadError::Io { source_name: source.to_owned(), source: source_error })
}

/// Checks the syntax of every interchange in `input` — separators, release characters, character set, envelopes,
/// control counts and references — without mapping messages, and returns what it saw.
pub fn check_syntax(
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<Summary, ReadError> {
    let mut ignore = |_: &interchange::Message<'_>, _: &mut dyn Sink, _: &mut Vec<aduana_core::Consignment>| {};
    interchange::read(input, source, limits, sink, &mut ignore)
        .map_err(|source_error| ReadError::Io { source_name: source.to_owned(), source: source_error })
}
