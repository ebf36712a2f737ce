//! Dates and instants as callers send them, parsed exactly as the API document states them
//! (RFC 3339 `full-date` and `date-time`), and year ranges written as patterns for the
//! document.

use chrono::{DateTime, NaiveDate, Utc};

/// `YYYY-MM-DD`, nothing more or less (chrono alone also takes `2024-1-5` or `+2024-01-05`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    shape.then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()).flatten()
}

/// `#[serde(deserialize_with)]` for an optional `YYYY-MM-DD` parsed by [`parse_date`].
pub fn date_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(d)?;
    parse_date(&text)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("expected a date YYYY-MM-DD"))
}

/// An RFC 3339 `date-time` with a four-digit year, `T` and an offset, as UTC.
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let shape = b.len() >= 20 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[10] == b'T';
    shape
        .then(|| DateTime::parse_from_rfc3339(s).ok())
        .flatten()
        .map(|t| t.with_timezone(&Utc))
}

/// A regular expression (no anchors) matching exactly the four-digit years `first..=last`,
/// e.g. `19\d\d|20[0-1]\d|202[0-8]` for 1900 to 2028.
pub fn years_pattern(first: i32, last: i32) -> String {
    let (first, last) = (first.clamp(0, 9999), last.clamp(first.clamp(0, 9999), 9999));
    digit_ranges(format!("{first:04}").as_bytes(), format!("{last:04}").as_bytes()).join("|")
}

/// Alternatives matching the digit strings from `lo` to `hi` (same length, `lo <= hi`).
fn digit_ranges(lo: &[u8], hi: &[u8]) -> Vec<String> {
    let Some((&a, lo_rest)) = lo.split_first() else {
        return vec![String::new()];
    };
    let (&b, hi_rest) = hi.split_first().expect("same length");
    let class = |a: u8, b: u8| match (a, b) {
        _ if a == b => (a as char).to_string(),
        (b'0', b'9') => r"\d".to_owned(),
        _ => format!("[{}-{}]", a as char, b as char),
    };
    let any_rest = r"\d".repeat(lo_rest.len());
    if a == b {
        return digit_ranges(lo_rest, hi_rest)
            .into_iter()
            .map(|r| format!("{}{r}", a as char))
            .collect();
    }
    // Whole runs of the leading digit go in one class; only ragged ends need their own parts.
    let lo_whole = lo_rest.iter().all(|&d| d == b'0');
    let hi_whole = hi_rest.iter().all(|&d| d == b'9');
    let (mid_from, mid_to) = (if lo_whole { a } else { a + 1 }, if hi_whole { b } else { b - 1 });
    let mut parts = Vec::new();
    if !lo_whole {
        let nines = vec![b'9'; lo_rest.len()];
        parts.extend(
            digit_ranges(lo_rest, &nines)
                .into_iter()
                .map(|r| format!("{}{r}", a as char)),
        );
    }
    if mid_from <= mid_to {
        parts.push(format!("{}{any_rest}", class(mid_from, mid_to)));
    }
    if !hi_whole {
        let zeros = vec![b'0'; hi_rest.len()];
        parts.extend(
            digit_ranges(&zeros, hi_rest)
                .into_iter()
                .map(|r| format!("{}{r}", b as char)),
        );
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_only_in_their_documented_shape() {
        assert_eq!(parse_date("2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
        for bad in [
            "2023-02-29",
            "2024-1-05",
            "+2024-01-05",
            " 2024-01-05",
            "2024-01-05\n",
            "20240105",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
        assert!(parse_instant("2027-01-01T00:00:00Z").is_some());
        assert!(parse_instant("2027-01-01T00:00:00.5+02:00").is_some());
        for bad in [
            "2027-01-01 00:00:00Z",
            "2027-01-01T00:00:00",
            "+2027-01-01T00:00:00Z",
            "2027-01-01",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn year_patterns_match_exactly_the_range() {
        assert_eq!(years_pattern(1900, 2028), r"19\d\d|20[0-1]\d|202[0-8]");
        assert_eq!(years_pattern(2027, 9999), r"202[7-9]|20[3-9]\d|2[1-9]\d\d|[3-9]\d\d\d");
        for (first, last) in [(1900, 2028), (2027, 9999), (1999, 2001), (2020, 2020), (0, 9999)] {
            let pattern = years_pattern(first, last);
            let re = regex_lite(&pattern);
            for year in 0..=9999 {
                let text = format!("{year:04}");
                assert_eq!(re(&text), (first..=last).contains(&year), "{first}..={last}: {text}");
            }
        }
    }

    /// A tiny matcher for the patterns above (alternations of digits, `\d` and `[a-b]`),
    /// so the test needs no regex crate.
    fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool + '_ {
        move |text: &str| {
            pattern.split('|').any(|alt| {
                let mut chars = text.chars();
                let mut p = alt.chars().peekable();
                while let Some(c) = p.next() {
                    let Some(t) = chars.next() else { return false };
                    let ok = match c {
                        '\\' => {
                            p.next();
                            t.is_ascii_digit()
                        }
                        '[' => {
                            let a = p.next().unwrap();
                            p.next();
                            let b = p.next().unwrap();
                            p.next();
                            (a..=b).contains(&t)
                        }
                        d => d == t,
                    };
                    if !ok {
                        return false;
                    }
                }
                chars.next().is_none()
            })
        }
    }
}
