//! Tests of `when` against the recorded upstream payloads.
use super::*;
use chrono_tz::America::New_York;
use chrono_tz::Asia::Singapore;
use chrono_tz::Europe::London;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn ny(date: &str, time: Option<&str>, reference: &str) -> When {
    resolve(Some(date), time, utc(reference), New_York, New_York)
}

#[test]
fn a_us_style_date_and_time_become_an_instant_in_the_search_year() {
    let w = ny("Thu, Apr 18", Some("12:45 PM"), "2024-04-15T10:32:00Z");
    assert_eq!(w.starts_at, Some(utc("2024-04-18T16:45:00Z")));
    assert_eq!(w.local_date, day(2024, 4, 18));
}

#[test]
fn a_january_fixture_seen_in_december_is_next_year() {
    let w = ny("Sat, Jan 4", Some("1:00 PM"), "2024-12-28T15:00:00Z");
    assert_eq!(w.starts_at, Some(utc("2025-01-04T18:00:00Z")));
}

#[test]
fn a_december_result_seen_in_january_is_last_year() {
    let w = ny("Dec 29", None, "2025-01-03T15:00:00Z");
    assert_eq!(
        w,
        When {
            starts_at: None,
            local_date: day(2024, 12, 29)
        }
    );
}

#[test]
fn day_first_dates_and_lower_case_times_from_singapore_are_read() {
    let reference = utc("2022-01-20T06:46:16Z");
    let w = resolve(Some("Sun, 23 Jan"), Some("10:00 pm"), reference, Singapore, London);
    assert_eq!(w.starts_at, Some(utc("2022-01-23T14:00:00Z")));
    let w = resolve(Some("11 Feb"), Some("3:45 am"), reference, Singapore, London);
    assert_eq!(w.starts_at, Some(utc("2022-02-10T19:45:00Z")));
    assert_eq!(
        w.local_date,
        day(2022, 2, 10),
        "the game day is London's, not Singapore's"
    );
}

#[test]
fn relative_words_count_from_the_search_day_in_the_search_zone() {
    // 06:46 UTC is already the afternoon of the 20th in Singapore.
    let w = resolve(
        Some("tomorrow, 3:45 am"),
        None,
        utc("2022-01-20T06:46:16Z"),
        Singapore,
        London,
    );
    assert_eq!(w.starts_at, Some(utc("2022-01-20T19:45:00Z")));
    // 02:00 UTC on the 15th is still the 14th in New York.
    let w = ny("Today, 4:30 PM", None, "2024-04-15T02:00:00Z");
    assert_eq!(w.starts_at, Some(utc("2024-04-14T20:30:00Z")));
    let w = ny("YESTERDAY", None, "2024-04-15T12:00:00Z");
    assert_eq!(
        w,
        When {
            starts_at: None,
            local_date: day(2024, 4, 14)
        }
    );
}

#[test]
fn a_narrow_no_break_space_before_am_is_a_space() {
    let w = ny("yesterday, 11:30\u{202f}AM", None, "2024-04-15T10:32:00Z");
    assert_eq!(w.starts_at, Some(utc("2024-04-14T15:30:00Z")));
    let w = ny("Apr 18", Some("5:45\u{a0}pm"), "2024-04-15T10:32:00Z");
    assert_eq!(w.starts_at, Some(utc("2024-04-18T21:45:00Z")));
}

#[test]
fn numeric_month_day_dates_and_a_24_hour_time_with_pm_are_tolerated() {
    let w = ny("Sun, 12/1", Some("17:30 PM"), "2024-11-20T12:00:00Z");
    assert_eq!(w.starts_at, Some(utc("2024-12-01T22:30:00Z")));
    let w = ny("11/2", Some("12:00 AM"), "2024-11-01T12:00:00Z");
    assert_eq!(w.starts_at, Some(utc("2024-11-02T04:00:00Z")), "12 AM is midnight");
}

#[test]
fn live_means_the_search_day_with_no_start_time() {
    let w = ny("Live", None, "2024-04-15T18:00:00Z");
    assert_eq!(
        w,
        When {
            starts_at: None,
            local_date: day(2024, 4, 15)
        }
    );
    let w = ny("today, live", None, "2024-04-15T18:00:00Z");
    assert_eq!(
        w,
        When {
            starts_at: None,
            local_date: day(2024, 4, 15)
        }
    );
}

#[test]
fn a_time_inside_the_spring_forward_gap_has_no_instant_but_keeps_its_day() {
    let w = ny("Sun, Mar 10", Some("2:30 AM"), "2024-03-08T12:00:00Z");
    assert_eq!(
        w,
        When {
            starts_at: None,
            local_date: day(2024, 3, 10)
        }
    );
}

#[test]
fn a_time_repeated_by_the_fall_back_is_the_earlier_instant() {
    let w = ny("Sun, Nov 3", Some("1:30 AM"), "2024-11-01T12:00:00Z");
    assert_eq!(w.starts_at, Some(utc("2024-11-03T05:30:00Z")));
}

#[test]
fn the_local_date_follows_the_league_zone_when_the_time_is_known() {
    let w = resolve(
        Some("Fri, Aug 4"),
        Some("7:30 PM"),
        utc("2023-08-03T02:15:04Z"),
        New_York,
        London,
    );
    assert_eq!(w.local_date, day(2023, 8, 5));
}

#[test]
fn garbage_gives_nothing_rather_than_a_guess() {
    let reference = "2024-04-15T10:32:00Z";
    for (date, time) in [
        ("soon", None),
        ("", None),
        ("Apr 31", None),
        ("Thu, Apr 18", Some("25:00")),
        ("Thu, Apr 18", Some("noonish")),
        ("Thu, Apr 18, Apr 19", None),
        ("today, 4:30 PM", Some("5:00 PM")),
        ("13/1", None),
        ("Apr 18 19", None),
    ] {
        assert_eq!(ny(date, time, reference), When::UNKNOWN, "{date:?} {time:?}");
    }
    assert_eq!(
        resolve(None, Some("3:00 PM"), utc(reference), New_York, New_York),
        When::UNKNOWN
    );
    // Feb 29 seen from 2023 is a year away whichever year is picked.
    assert_eq!(ny("Feb 29", None, "2023-04-15T10:32:00Z"), When::UNKNOWN);
    assert_eq!(ny("Feb 29", None, reference).local_date, day(2024, 2, 29));
}
