//! ESPN's keyless site API: scoreboard (`dates=`), standings and teams.

pub mod scoreboard;
pub mod standings;
pub mod teams;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use url::Url;

use super::upstream_client::{Free, UpstreamClient};
use super::{Coverage, DataKind, Dataset, DateCoverage, Fetched, Provider, ProviderError, UpstreamQuery, games_of_day};
use crate::config::{EspnSettings, UpstreamSettings};
use crate::domain::time::overlapping_days;
use crate::domain::{League, ProviderKind, Source};

pub struct EspnProvider {
    client: UpstreamClient,
    base: Url,
}

impl EspnProvider {
    pub fn new(settings: &EspnSettings, upstream: &UpstreamSettings) -> Self {
        Self {
            client: UpstreamClient::new(ProviderKind::Espn, upstream),
            base: settings.base_url.clone(),
        }
    }

    /// `apis/site/v2/sports/{sport}/{league}/scoreboard?dates=YYYYMMDD` and its siblings.
    fn url(&self, kind: DataKind, path: &str, board: Option<NaiveDate>) -> Url {
        let mut url = self.base.clone();
        let resource = match kind {
            DataKind::Games => format!("apis/site/v2/sports/{path}/scoreboard"),
            // Standings live under apis/v2, not apis/site/v2 (the latter returns a stub).
            DataKind::Standings => format!("apis/v2/sports/{path}/standings"),
            DataKind::Teams => format!("apis/site/v2/sports/{path}/teams"),
        };
        url.set_path(&format!("{}{resource}", ensure_trailing_slash(url.path())));
        if let (DataKind::Games, Some(date)) = (kind, board) {
            url.query_pairs_mut()
                .append_pair("dates", &date.format("%Y%m%d").to_string());
        }
        if kind == DataKind::Teams {
            url.query_pairs_mut().append_pair("limit", "200");
        }
        url
    }
}

/// The zone ESPN cuts its scoreboard days in. Evidence: the World Cup board of day
/// "2026-07-01" holds a game at 2026-07-02T00:00Z (20:00 Eastern), the NBA board of
/// 2026-02-23 games up to 2026-02-24T02:30Z; neither would be on a UTC or European day.
pub const BOARD_ZONE: chrono_tz::Tz = chrono_tz::America::New_York;

/// The ESPN boards (`dates=`) that can hold games of `day` in the league's zone: one for a
/// league in US Eastern time, two where the zones' days differ (Europe: the day before too).
pub fn board_days(day: NaiveDate, league: &League) -> Vec<NaiveDate> {
    overlapping_days(day, league.time_zone, BOARD_ZONE)
}

fn ensure_trailing_slash(path: &str) -> String {
    if path.ends_with('/') {
        path.to_owned()
    } else {
        format!("{path}/")
    }
}

/// Normalizes one ESPN payload of the given kind; the replay provider uses it too.
pub fn normalize(kind: DataKind, body: &[u8], league: &League, source: &Source) -> Result<Dataset, ProviderError> {
    Ok(match kind {
        DataKind::Games => Dataset::Games(scoreboard::parse_scoreboard(body, league, source)?),
        DataKind::Standings => Dataset::Standings(standings::parse_standings(body)?),
        DataKind::Teams => Dataset::Teams(teams::parse_teams(body)?),
    })
}

#[async_trait]
impl Provider for EspnProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Espn
    }

    fn supports(&self, query: &UpstreamQuery) -> bool {
        query.league.espn.is_some()
    }

    fn takes_date(&self) -> bool {
        true
    }

    async fn fetch(&self, query: &UpstreamQuery) -> Result<Fetched, ProviderError> {
        let Some(espn) = &query.league.espn else {
            return Err(ProviderError::Unsupported {
                provider: ProviderKind::Espn,
                kind: query.kind.as_str(),
                league: query.league.id.to_string(),
            });
        };
        let source = Source {
            provider: ProviderKind::Espn,
            fetched_at: Utc::now(),
        };
        let dataset = match (query.kind, query.date) {
            (DataKind::Games, Some(day)) => {
                // The boards of every ESPN day the league-local day overlaps, fetched together.
                let (league, source) = (&query.league, &source);
                let boards = board_days(day, league).into_iter().map(|board| async move {
                    let body = self
                        .client
                        .get(&self.url(DataKind::Games, &espn.path, Some(board)), &Free)
                        .await?;
                    Ok::<_, ProviderError>(scoreboard::parse_scoreboard(&body, league, source)?)
                });
                Dataset::Games(games_of_day(futures::future::try_join_all(boards).await?, day))
            }
            (kind, _) => {
                let body = self.client.get(&self.url(kind, &espn.path, None), &Free).await?;
                normalize(kind, &body, &query.league, &source)?
            }
        };
        Ok(Fetched { dataset, source })
    }

    fn coverage(&self, league: &League) -> Coverage {
        Coverage {
            provider: ProviderKind::Espn,
            kinds: if league.espn.is_some() {
                vec![DataKind::Games, DataKind::Standings, DataKind::Teams]
            } else {
                Vec::new()
            },
            dates: DateCoverage::Any,
            recorded_dates: None,
        }
    }

    async fn probe(&self) -> Result<(), ProviderError> {
        let mut url = self.base.clone();
        url.set_path(&format!(
            "{}apis/site/v2/sports/football/nfl/teams",
            ensure_trailing_slash(url.path())
        ));
        let body = self.client.get(&url, &Free).await?;
        teams::parse_teams(&body)?;
        Ok(())
    }
}
