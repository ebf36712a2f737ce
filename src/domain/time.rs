//! Time as sportsgate writes it and game days as leagues count them.
//!
//! One timestamp form everywhere (JSON, CLI, problem details): RFC 3339 in UTC with a `Z`
//! and whole seconds, e.g. `2022-11-21T01:20:00Z`.

use chrono::{DateTime, Days, NaiveDate, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serializer;

/// `2022-11-21T01:20:00Z`.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `#[serde(serialize_with = "time::serialize")]` for `DateTime<Utc>` fields.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*at))
}

/// The same for `Option<DateTime<Utc>>` fields (null stays null).
pub fn serialize_opt<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize(at, s),
        None => s.serialize_none(),
    }
}

/// The first instant of `day` in `zone`. Where a DST change skips local midnight (Santiago,
/// Havana…), the day starts at the first local time that exists.
pub fn start_of_day(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    // Gaps are at most a few hours; step over one by quarter hours.
    (0..=16)
        .map(|q| midnight + chrono::Duration::minutes(15 * q))
        .find_map(|local| zone.from_local_datetime(&local).earliest())
        .map_or_else(|| midnight.and_utc(), |at| at.with_timezone(&Utc))
}

/// The calendar days of `other` that overlap `day` in `zone`, earliest first: which of an
/// upstream's day-cut boards (ESPN cuts its scoreboards on US Eastern days) can hold a game
/// of that local day.
pub fn overlapping_days(day: NaiveDate, zone: Tz, other: Tz) -> Vec<NaiveDate> {
    let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
    let first = start_of_day(day, zone).with_timezone(&other).date_naive();
    let last_instant = start_of_day(next, zone) - chrono::Duration::nanoseconds(1);
    let last = last_instant.with_timezone(&other).date_naive();
    first.iter_days().take_while(|d| *d <= last).collect()
}

/// The local day of an instant in `zone`.
pub fn local_day(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::{Los_Angeles, New_York, Santiago};
    use chrono_tz::Europe::London;
    use proptest::prelude::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn one_form_whole_seconds_and_z() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T08:54:01.123456789+00:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(rfc3339(at), "2026-12-03T08:54:01Z");
    }

    #[test]
    fn an_eastern_day_needs_one_eastern_board_and_a_london_day_two() {
        assert_eq!(
            overlapping_days(date("2026-07-01"), New_York, New_York),
            [date("2026-07-01")]
        );
        // London's 2 July starts at 19:00 Eastern on 1 July.
        assert_eq!(
            overlapping_days(date("2026-07-02"), London, New_York),
            [date("2026-07-01"), date("2026-07-02")]
        );
        // Los Angeles' day ends at 03:00 Eastern the next day.
        assert_eq!(
            overlapping_days(date("2026-07-02"), Los_Angeles, New_York),
            [date("2026-07-02"), date("2026-07-03")]
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_the_first_existing_local_time() {
        // Chile moved its clocks from 00:00 to 01:00 on 2022-09-11.
        let start = start_of_day(date("2022-09-11"), Santiago);
        assert_eq!(rfc3339(start), "2022-09-11T04:00:00Z");
    }

    const ZONES: [Tz; 8] = [
        New_York,
        London,
        Los_Angeles,
        Santiago,
        chrono_tz::Europe::Berlin,
        chrono_tz::Australia::Sydney,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Pacific::Apia,
    ];

    proptest! {
        /// Whatever the zones, every instant of the local day lies on one of the boards
        /// `overlapping_days` names, and that board's day is where the instant falls.
        #[test]
        fn every_instant_of_a_local_day_is_on_a_named_board(
            secs in 0i64..4_102_444_800, // 1970 to 2100
            zone in 0usize..ZONES.len(),
            board_zone in 0usize..ZONES.len(),
        ) {
            let at = DateTime::from_timestamp(secs, 0).unwrap();
            let (zone, board_zone) = (ZONES[zone], ZONES[board_zone]);
            let day = local_day(at, zone);
            let boards = overlapping_days(day, zone, board_zone);
            prop_assert!(boards.contains(&local_day(at, board_zone)), "{at} {day} {boards:?}");
            prop_assert!(boards.len() <= 3);
            prop_assert!(start_of_day(day, zone) <= at);
        }
    }
}
