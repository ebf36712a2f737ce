//! Upstream sports-data providers behind one trait, and the normalizers that turn each
//! upstream's payloads into the domain model. Upstream quirks stop in this module.
//!
//! To add a provider: implement [`Provider`] in a new submodule, add a [`ProviderKind`]
//! variant, and construct it in [`build`].

pub mod breaker;
pub mod chain;
pub mod espn;
pub mod replay;
pub mod serpapi;
pub mod upstream_client;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;

use crate::domain::plan::QuotaWindow;
use crate::domain::{Game, League, ProviderKind, Source, Standings, Team};
use crate::ratelimit::window::Window;

/// What kind of data a query asks for; each kind has its own cache lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DataKind {
    Games,
    Standings,
    Teams,
}

impl DataKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Games => "games",
            Self::Standings => "standings",
            Self::Teams => "teams",
        }
    }
}

/// A normalized upstream question: the cache key is derived from this, never from the caller.
#[derive(Debug, Clone)]
pub struct UpstreamQuery {
    pub kind: DataKind,
    pub league: Arc<League>,
    /// Game day in the league's zone (games only); `None` means the upstream's current view.
    /// Only providers that can look a day up answer a dated query (see [`Provider::takes_date`]).
    pub date: Option<NaiveDate>,
}

impl UpstreamQuery {
    /// A compact, caller-independent key: `games:nfl:2022-11-20`, `teams:nfl:`.
    /// `kind:league:date` (date empty when absent). Built on every data request, so
    /// without `format!` for the common undated case.
    pub fn cache_key(&self) -> String {
        let (kind, league) = (self.kind.as_str(), self.league.id.as_str());
        let mut key = String::with_capacity(kind.len() + league.len() + 12);
        key.push_str(kind);
        key.push(':');
        key.push_str(league);
        key.push(':');
        if let Some(date) = self.date {
            use std::fmt::Write as _;
            let _ = write!(key, "{date}");
        }
        key
    }
}

/// A normalized answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Dataset {
    Games(Vec<Game>),
    Standings(Standings),
    Teams(Vec<Team>),
}

/// A normalized answer and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub dataset: Dataset,
    pub source: Source,
}

/// An upstream payload that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("upstream payload not understood: {0}")]
pub struct NormalizeError(pub String);

impl From<serde_json::Error> for NormalizeError {
    fn from(e: serde_json::Error) -> Self {
        // serde_json's own messages can quote payload strings (`invalid type: string "…"`),
        // and a payload may echo a secret: keep only the category and the position.
        let what = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not valid JSON",
            // "missing field `events`" names our field, not their data: safe and useful.
            serde_json::error::Category::Data => match e.to_string().strip_prefix("missing field ") {
                Some(rest) => return Self(format!("missing field {}", rest.split(' ').next().unwrap_or_default())),
                None => "unexpected value shape",
            },
            serde_json::error::Category::Io => "unreadable body",
        };
        Self(format!("{what} at line {} column {}", e.line(), e.column()))
    }
}

/// Why a provider could not answer. Messages are safe to log: they never hold a URL,
/// a query string or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("none of the providers ({providers}) can look up games of league {league} by date")]
    DateUnsupported { providers: String, league: String },
    #[error("{provider} does not serve {kind} for league {league}")]
    Unsupported {
        provider: ProviderKind,
        kind: &'static str,
        league: String,
    },
    #[error("{0} is not configured (missing API key)")]
    NotConfigured(ProviderKind),
    #[error("upstream timed out")]
    Timeout,
    #[error("upstream unreachable: {0}")]
    Connect(String),
    #[error("upstream answered HTTP {status}")]
    Status {
        status: u16,
        retry_after: Option<std::time::Duration>,
    },
    #[error(transparent)]
    Malformed(#[from] NormalizeError),
    #[error("no recording for {0}")]
    NoRecording(String),
    #[error("{0} monthly budget is spent")]
    BudgetExhausted(ProviderKind),
    #[error("{provider} circuit is open")]
    CircuitOpen {
        provider: ProviderKind,
        retry_after: std::time::Duration,
    },
}

impl ProviderError {
    /// Worth another try: the same request may succeed a moment later.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout | Self::Connect(_) => true,
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// Counts against the provider's health (circuit breaker). A request the provider
    /// cannot serve by design, or a spent budget, says nothing about its health.
    pub fn is_upstream_failure(&self) -> bool {
        // A 4xx other than 408/429 answers this request, not the upstream's health: callers
        // must not be able to open the circuit for everyone with odd requests.
        match self {
            Self::Timeout | Self::Connect(_) | Self::Malformed(_) => true,
            Self::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            _ => false,
        }
    }

    /// When asking again may succeed, if the error says: an open circuit's remaining
    /// cooldown, the start of the next month for a spent budget, an upstream's Retry-After.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::CircuitOpen { retry_after, .. } => Some(*retry_after),
            Self::Status { retry_after, .. } => *retry_after,
            Self::BudgetExhausted(_) => {
                let now = chrono::Utc::now();
                (Window::containing(QuotaWindow::Month, now).resets_at() - now)
                    .to_std()
                    .ok()
            }
            _ => None,
        }
    }

    /// Short label for metrics and logs.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Unsupported { .. } => "unsupported",
            Self::DateUnsupported { .. } => "date_unsupported",
            Self::NotConfigured(_) => "not_configured",
            Self::Timeout => "timeout",
            Self::Connect(_) => "connect_error",
            Self::Status { .. } => "http_error",
            Self::Malformed(_) => "malformed",
            Self::NoRecording(_) => "no_recording",
            Self::BudgetExhausted(_) => "budget_exhausted",
            Self::CircuitOpen { .. } => "circuit_open",
        }
    }
}

/// Which game days a provider can answer for a league.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DateCoverage {
    /// Any day (`date=` is looked up upstream).
    Any,
    /// The days listed in `recorded_dates` (replay).
    Recorded,
    /// None: only the upstream's current view (no `date=`).
    None,
}

/// What one provider serves for one league (`/v1/leagues`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub provider: ProviderKind,
    /// Kinds of data it answers: `games`, `standings`, `teams`.
    pub kinds: Vec<DataKind>,
    /// Which days `date=` can ask for.
    pub dates: DateCoverage,
    /// With `dates: recorded`, the league-local days that can be asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub recorded_dates: Option<Vec<NaiveDate>>,
}

/// The games of league-local `day` from the upstream boards that overlap it, each game once
/// (the first board's copy wins), in board order. Games without a known kick-off cannot be
/// placed on a day and are left out.
pub fn games_of_day(boards: Vec<Vec<Game>>, day: NaiveDate) -> Vec<Game> {
    let mut seen = std::collections::HashSet::new();
    boards
        .into_iter()
        .flatten()
        .filter(|g| g.local_date == Some(day) && seen.insert(g.id.clone()))
        .collect()
}

/// One upstream.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    fn kind(&self) -> ProviderKind;

    /// Whether this provider can answer the query at all (league mapped, kind served).
    fn supports(&self, query: &UpstreamQuery) -> bool;

    /// Whether it can answer the games of one league-local day (`UpstreamQuery::date`).
    /// Providers that cannot (SerpApi's card shows only recent and upcoming games) never get
    /// a dated query: filtering their current view by date would answer "no games" for days
    /// they never looked at.
    fn takes_date(&self) -> bool;

    /// What it serves for `league`: kinds of data and which days of games.
    fn coverage(&self, league: &League) -> Coverage;

    async fn fetch(&self, query: &UpstreamQuery) -> Result<Fetched, ProviderError>;

    /// A cheap request that proves the upstream is reachable and accepts us (`check`);
    /// it must not spend any paid budget.
    async fn probe(&self) -> Result<(), ProviderError>;
}
