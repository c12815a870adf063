//! Sharing with partner administrations (Art. 9–10 of Regulation 2018/1672): information that must be shared is
//! due within a deadline counted in working days (EU: 15) after the day it was obtained. Working days skip
//! Saturdays, Sundays and the configured holidays. A record is `due` until its due date, `overdue` after it, and
//! `shared` once someone records that it was sent to a partner.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The sharing deadline and the calendar it is counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingCalendar {
    /// How many working days after the day of the record it is due.
    pub deadline_working_days: u32,
    /// Days that are not working days besides weekends.
    pub holidays: BTreeSet<NaiveDate>,
}

/// A record that something was shared: with whom, when, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingRecord {
    /// The partner administration (e.g. `DE customs`, `FIU-NL`).
    pub with: String,
    /// When it was shared (UTC, RFC 3339).
    pub at: String,
    /// Who recorded it.
    pub by: String,
}

/// Where a record stands with respect to sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SharingStatus {
    /// Need not be shared.
    NotRequired,
    /// Must be shared; the due date has not passed.
    Due,
    /// Must be shared; the due date has passed.
    Overdue,
    /// Has been shared.
    Shared,
}

impl SharingStatus {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SharingStatus::NotRequired => "not_required",
            SharingStatus::Due => "due",
            SharingStatus::Overdue => "overdue",
            SharingStatus::Shared => "shared",
        }
    }
}

impl SharingCalendar {
    /// Whether a day is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The due date of information obtained on `day`: the last of the next `deadline_working_days` working days
    /// (the day itself does not count). With a deadline of 0, the day itself.
    pub fn due_date(&self, day: NaiveDate) -> NaiveDate {
        let mut remaining = self.deadline_working_days;
        let mut current = day;
        while remaining > 0 {
            match current.checked_add_days(Days::new(1)) {
                Some(next) => current = next,
                None => return NaiveDate::MAX,
            }
            if self.is_working_day(current) {
                remaining -= 1;
            }
        }
        current
    }

    /// The status of a record obtained on `day` on `today`.
    pub fn status(&self, must_share: bool, day: NaiveDate, shared: bool, today: NaiveDate) -> SharingStatus {
        match (must_share, shared) {
            (_, true) => SharingStatus::Shared,
            (false, false) => SharingStatus::NotRequired,
            (true, false) if today > self.due_date(day) => SharingStatus::Overdue,
            (true, false) => SharingStatus::Due,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
    }

    fn eu(holidays: &[NaiveDate]) -> SharingCalendar {
        SharingCalendar { deadline_working_days: 15, holidays: holidays.iter().copied().collect() }
    }

    #[test]
    fn fifteen_working_days_skip_three_weekends() {
        // Monday 2 December 2024 + 15 working days = Monday 23 December 2024.
        assert_eq!(eu(&[]).due_date(date(2024, 12, 2)), date(2024, 12, 23));
        // A Saturday counts from the next Monday: Sat 7 Dec + 15 = Fri 27 Dec.
        assert_eq!(eu(&[]).due_date(date(2024, 12, 7)), date(2024, 12, 27));
    }

    #[test]
    fn holidays_push_the_due_date_back() {
        let calendar = eu(&[date(2024, 12, 25), date(2024, 12, 26)]);
        // Mon 9 Dec + 15 working days, skipping 25 and 26 Dec = Thu 2 Jan 2025... counted: 10..13 (4), 16..20 (9),
        // 23, 24 (11), 27 (12), 30, 31 (14), 1 Jan (15).
        assert_eq!(calendar.due_date(date(2024, 12, 9)), date(2025, 1, 1));
        let with_new_year = eu(&[date(2024, 12, 25), date(2024, 12, 26), date(2025, 1, 1)]);
        assert_eq!(with_new_year.due_date(date(2024, 12, 9)), date(2025, 1, 2));
    }

    #[test]
    fn status_moves_from_due_to_overdue_after_the_due_date_and_sharing_ends_it() {
        let calendar = eu(&[]);
        let day = date(2024, 12, 2);
        assert_eq!(calendar.status(true, day, false, date(2024, 12, 23)), SharingStatus::Due);
        assert_eq!(calendar.status(true, day, false, date(2024, 12, 24)), SharingStatus::Overdue);
        assert_eq!(calendar.status(true, day, true, date(2024, 12, 24)), SharingStatus::Shared);
        assert_eq!(calendar.status(false, day, false, date(2025, 12, 24)), SharingStatus::NotRequired);
    }

    proptest! {
        #[test]
        fn due_date_is_a_working_day_exactly_n_working_days_later(
            offset in 0u64..3650,
            n in 1u32..40,
            holiday_offsets in proptest::collection::vec(0u64..120, 0..10),
        ) {
            let start = date(2020, 1, 1) + Days::new(offset);
            let holidays = holiday_offsets.iter().map(|o| start + Days::new(*o)).collect();
            let calendar = SharingCalendar { deadline_working_days: n, holidays };
            let due = calendar.due_date(start);
            prop_assert!(calendar.is_working_day(due));
            let counted = start.iter_days().skip(1).take_while(|d| *d <= due).filter(|d| calendar.is_working_day(*d)).count();
            prop_assert_eq!(counted, n as usize);
        }
    }
}
