//! Turning SerpApi's year-less, zone-less date/time texts into instants and game days.
//!
//! Google writes dates and times in the searcher's locale and time zone ("Thu, Apr 18",
//! "Sun, 23 Jan", "tomorrow, 3:45 am", "yesterday, 11:30\u{202f}AM"). The only absolute
//! anchor is the time of the search, so the year and the relative words hang off that.

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Where a SerpApi game sits in time, as far as its texts allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    /// Kick-off in UTC; `None` when the time is unknown ("Live", finished games that dropped
    /// their time, a wall-clock time the search zone skips) or the texts were unparsable.
    pub starts_at: Option<DateTime<Utc>>,
    /// The game day. When `starts_at` is known this is its date in the league's zone (the
    /// day `date=` means). When only a date is known it is that date as written, i.e. the
    /// calendar day in the search zone: shifting a bare date into another zone needs a time
    /// we do not have, and the written day is right whenever the zones share the evening.
    pub local_date: Option<NaiveDate>,
}

impl When {
    const UNKNOWN: Self = Self {
        starts_at: None,
        local_date: None,
    };
}

/// Places `date_text` (+ `time_text`) written in `search_zone` in time.
///
/// `reference` is the moment of the search: relative words and the missing year are
/// resolved against it. Anything not understood gives `When { None, None }`, never a guess.
pub fn resolve(
    date_text: Option<&str>,
    time_text: Option<&str>,
    reference: DateTime<Utc>,
    search_zone: Tz,
    league_zone: Tz,
) -> When {
    let Some(parts) = read(date_text, time_text, reference.with_timezone(&search_zone).date_naive()) else {
        return When::UNKNOWN;
    };
    let Some(time) = parts.time else {
        return When {
            starts_at: None,
            local_date: Some(parts.date),
        };
    };
    let starts_at = match search_zone.from_local_datetime(&parts.date.and_time(time)) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        // Fall-back hour: the first pass through the hour is the one a schedule means.
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        // Spring-forward gap: the wall clock never shows this time, so no instant is right.
        LocalResult::None => None,
    };
    let local_date = match starts_at {
        Some(t) => Some(t.with_timezone(&league_zone).date_naive()),
        None => Some(parts.date),
    };
    When { starts_at, local_date }
}

/// A calendar day in the search zone, and the wall-clock time when one is known.
struct Parts {
    date: NaiveDate,
    time: Option<NaiveTime>,
}

/// What one comma-separated piece of text turned out to be.
enum Piece {
    Weekday,
    Date(NaiveDate),
    /// A start time, or `None` for a piece that says the time is not known ("TBD").
    Time(Option<NaiveTime>),
    Live,
}

fn read(date_text: Option<&str>, time_text: Option<&str>, today: NaiveDate) -> Option<Parts> {
    let mut date = None;
    let mut time = None;
    let mut live = false;
    let date_text = normalize(date_text?);
    let date_pieces = date_text.split(',').map(str::trim).filter(|p| !p.is_empty());
    let time_text = time_text.map(normalize).filter(|t| !t.is_empty());
    let pieces = date_pieces
        .map(|p| classify_date_piece(p, today))
        .chain(time_text.as_deref().map(classify_time_piece));
    for piece in pieces {
        // A second date or a second time means texts we misread: give up rather than pick.
        match piece? {
            Piece::Weekday => {}
            Piece::Date(d) => {
                if date.replace(d).is_some() {
                    return None;
                }
            }
            Piece::Time(t) => {
                if time.replace(t).is_some() {
                    return None;
                }
            }
            Piece::Live => {
                live = true;
                if time.replace(None).is_some() {
                    return None;
                }
            }
        }
    }
    // "Live" alone is a game under way on the search day.
    let date = date.or(live.then_some(today))?;
    Some(Parts {
        date,
        time: time.flatten(),
    })
}

/// Lower-case, every Unicode space (U+202F, U+00A0, ...) made one ASCII space, trimmed.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text
        .chars()
        .filter(|c| !matches!(c, '\u{200b}' | '\u{200e}' | '\u{200f}' | '\u{feff}'))
    {
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out.trim().to_owned()
}

fn classify_time_piece(piece: &str) -> Option<Piece> {
    match piece {
        "live" => Some(Piece::Live),
        "tbd" | "tba" => Some(Piece::Time(None)),
        _ => clock(piece).map(|t| Piece::Time(Some(t))),
    }
}

fn classify_date_piece(piece: &str, today: NaiveDate) -> Option<Piece> {
    match piece {
        "today" => return Some(Piece::Date(today)),
        "yesterday" => return today.pred_opt().map(Piece::Date),
        "tomorrow" => return today.succ_opt().map(Piece::Date),
        _ => {}
    }
    if weekday(piece) {
        return Some(Piece::Weekday);
    }
    // The spotlight folds its time into the date field ("today, 4:30 PM").
    if let Some(time) = classify_time_piece(piece) {
        return Some(time);
    }
    // "Sun 12/1" without the comma: drop a leading weekday word.
    let piece = match piece.split_once(' ') {
        Some((first, rest)) if weekday(first) => rest.trim(),
        _ => piece,
    };
    let (month, day) = month_day(piece)?;
    nearest_year(month, day, today).map(Piece::Date)
}

fn weekday(word: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let word = word.trim_end_matches('.');
    word.len() >= 3 && DAYS.iter().any(|d| d.starts_with(word))
}

fn month(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let word = word.trim_end_matches('.');
    if word.len() < 3 {
        return None;
    }
    MONTHS.iter().position(|m| m.starts_with(word)).map(|i| i as u32 + 1)
}

fn number(word: &str, max: u32) -> Option<u32> {
    if word.is_empty() || word.len() > 2 || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse().ok().filter(|n| (1..=max).contains(n))
}

/// "apr 18", "18 apr" (day-first locales), "12/1" (numeric, month first).
fn month_day(piece: &str) -> Option<(u32, u32)> {
    if let Some((m, d)) = piece.split_once('/') {
        return Some((number(m.trim(), 12)?, number(d.trim(), 31)?));
    }
    let (a, b) = piece.split_once(' ')?;
    let (a, b) = (a.trim(), b.trim());
    match (month(a), month(b)) {
        (Some(m), None) => Some((m, number(b, 31)?)),
        (None, Some(m)) => Some((m, number(a, 31)?)),
        _ => None,
    }
}

/// The year (one before, the same, one after the search) that puts the date nearest to the
/// search day: past results reach back weeks, fixtures forward months, across New Year too.
fn nearest_year(month: u32, day: u32, today: NaiveDate) -> Option<NaiveDate> {
    let nearest = (today.year() - 1..=today.year() + 1)
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .min_by_key(|d| (*d - today).num_days().abs())?;
    // Only Feb 29 can land this far (from a non-leap neighbourhood): a misread, not a date.
    ((nearest - today).num_days().abs() <= 184).then_some(nearest)
}

/// "12:45 pm", "3:45am", "17:30 pm" (a 24-hour clock with a stray PM), "19:45", "3 pm".
fn clock(piece: &str) -> Option<NaiveTime> {
    let compact: String = piece.chars().filter(|c| *c != ' ' && *c != '.').collect();
    let (digits, meridiem) = if let Some(d) = compact.strip_suffix("am") {
        (d, Some(false))
    } else if let Some(d) = compact.strip_suffix("pm") {
        (d, Some(true))
    } else {
        (compact.as_str(), None)
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h, m),
        Some(_) => return None,
        // A bare hour only makes sense with AM/PM ("3 pm"); a lone "19" is not a time.
        None if meridiem.is_some() => (digits, "00"),
        None => return None,
    };
    if h.is_empty() || h.len() > 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (mut hour, minute): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match meridiem {
        // 1-12 with a marker is the 12-hour clock; 0 and 13-23 are already 24-hour.
        Some(pm) if (1..=12).contains(&hour) => hour = hour % 12 + if pm { 12 } else { 0 },
        _ => {}
    }
    NaiveTime::from_hms_opt(hour, minute, 0)
}

#[cfg(test)]
mod tests;
