//! Quota windows: UTC calendar days and months, and where a caller stands in one.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};

use crate::domain::plan::QuotaWindow;

/// A calendar window (UTC) of a quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub kind: QuotaWindow,
    pub first_day: NaiveDate,
}

impl Window {
    pub fn containing(kind: QuotaWindow, now: DateTime<Utc>) -> Self {
        let today = now.date_naive();
        let first_day = match kind {
            QuotaWindow::Day => today,
            QuotaWindow::Month => today.with_day(1).expect("day 1 exists"),
        };
        Self { kind, first_day }
    }

    pub fn last_day(&self) -> NaiveDate {
        self.next_start().pred_opt().expect("a day before")
    }

    /// The first day of the next window: when the quota resets.
    pub fn next_start(&self) -> NaiveDate {
        match self.kind {
            QuotaWindow::Day => self.first_day.checked_add_days(Days::new(1)),
            QuotaWindow::Month => self.first_day.checked_add_months(Months::new(1)),
        }
        .expect("dates far from the end of time")
    }

    pub fn resets_at(&self) -> DateTime<Utc> {
        self.next_start()
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
    }

    /// Length of the window in seconds (for `RateLimit-Policy`'s `w`).
    pub fn seconds(&self) -> u64 {
        (self.resets_at() - self.first_day.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
            .num_seconds()
            .unsigned_abs()
    }
}

/// Where a subject stands in its quota window after a request was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaState {
    pub limit: u64,
    pub used: u64,
    pub window: Window,
}

impl QuotaState {
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_utc_calendar_days_and_months() {
        let now: DateTime<Utc> = "2026-12-31T23:59:59Z".parse().unwrap();
        let day = Window::containing(QuotaWindow::Day, now);
        assert_eq!(day.first_day.to_string(), "2026-12-31");
        assert_eq!(day.resets_at().to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert_eq!(day.seconds(), 86_400);
        let month = Window::containing(QuotaWindow::Month, now);
        assert_eq!(month.first_day.to_string(), "2026-12-01");
        assert_eq!(month.last_day().to_string(), "2026-12-31");
        assert_eq!(month.seconds(), 31 * 86_400);
    }
}
