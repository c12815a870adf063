//! Party screening against sanctions and watch lists, and the strategic-goods and embargo checks that go with it.
//!
//! Lists (UN Security Council XML, OpenSanctions FollowTheMoney JSON Lines, a documented CSV) are read from bytes
//! into [`WatchList`]s; [`ScreeningIndex::build`] normalises every name once (transliteration, stop words, legal
//! forms, equivalence classes from the rigour tables in [`NameRules`]) and indexes its tokens; [`screen`] and
//! [`screen_parties`] return scored, explained [`Match`]es. [`strategic_goods()`] correlates HS codes with control-list
//! entries and [`embargoed_destination`] checks destinations against arms embargoes. No I/O: the caller passes bytes.

mod edit_distance;
pub mod embargo;
mod fast_hash;
pub mod index;
pub mod matching;
pub mod normalise;
pub mod rules;
pub mod strategic_goods;
pub mod watchlist;

pub use embargo::{Embargo, EmbargoList, EmbargoMatch, embargoed_destination};
pub use index::ScreeningIndex;
pub use matching::{Match, PartyMatch, Query, ScreeningConfig, TokenPair, score_names, screen, screen_parties};
pub use normalise::{NameTokens, Token};
pub use rules::NameRules;
pub use strategic_goods::{ControlMatch, Correlation, CorrelationTable, Precision, Regime, strategic_goods};
pub use watchlist::{
    Alias, AliasQuality, BirthDate, Entry, EntryKind, Identifier, ListDiff, ListError, ListFormat, WatchList, diff,
    parse_list,
};
