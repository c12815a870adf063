//! Prints the normalised tokens of each line of standard input (a debugging aid for the name rules).

#![allow(clippy::print_stdout)]

use std::io::BufRead;

use aduana_screening::NameRules;
use aduana_screening::normalise::tokens;

fn main() {
    let rules = NameRules::builtin();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let t = tokens(&line, &rules);
        let shown: Vec<String> = t
            .tokens
            .iter()
            .map(|t| {
                format!(
                    "{}[{}]{}{}",
                    t.text,
                    t.skeleton,
                    if t.classes.is_empty() { "" } else { "*" },
                    if t.generic { "g" } else { "" }
                )
            })
            .collect();
        println!("{line} => {}", shown.join(" "));
    }
}
