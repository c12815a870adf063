//! Opening an input for the readers: a file or standard input (`-`), with its format recognised from the first few
//! kilobytes unless the caller names one, and the diagnostic for content in no format Aduana reads.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use aduana_core::{Diagnostic, Location};
use aduana_formats::Format;
use anyhow::Context;

/// Opens `path` (`-` is standard input) and returns a reader and the format: `format` when given, else the one
/// `aduana_formats::detect` recognises (`None` when none fits). The bytes read to recognise it are put back in front.
pub(crate) fn open(path: &Path, format: Option<Format>) -> anyhow::Result<(Box<dyn BufRead>, Option<Format>)> {
    let name = path.display().to_string();
    let mut input: Box<dyn BufRead> = if name == "-" {
        Box::new(BufReader::with_capacity(1 << 16, std::io::stdin()))
    } else {
        let file = File::open(path).with_context(|| format!("opening {name}"))?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    if format.is_some() {
        return Ok((input, format));
    }
    let mut head = Vec::with_capacity(8192);
    (&mut input).take(8192).read_to_end(&mut head).with_context(|| format!("reading {name}"))?;
    let detected = aduana_formats::detect(&head);
    Ok((Box::new(std::io::Cursor::new(head).chain(input)), detected))
}

/// Returns the error for content that is in no format Aduana reads.
pub(crate) fn unknown_format(name: &str) -> Diagnostic {
    let formats: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    let message = format!(
        "expected one of the formats Aduana reads ({}), found content that is none of them",
        formats.join(", ")
    );
    Diagnostic::error("unknown_format", message, Location::file(name).at(1, 1))
}
