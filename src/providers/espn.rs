//! ESPN's keyless site API: scoreboard (`dates=`), standings and teams.

pub mod scoreboard;
pub mod standings;
pub mod teams;

use async_trait::async_trait;
use chrono::Utc;
use url::Url;

use super::upstream_client::{Free, UpstreamClient};
use super::{DataKind, Dataset, Fetched, Provider, ProviderError, UpstreamQuery};
use crate::config::{EspnSettings, UpstreamSettings};
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
    fn url(&self, query: &UpstreamQuery, path: &str) -> Url {
        let mut url = self.base.clone();
        let resource = match query.kind {
            DataKind::Games => format!("apis/site/v2/sports/{path}/scoreboard"),
            // Standings live under apis/v2, not apis/site/v2 (the latter returns a stub).
            DataKind::Standings => format!("apis/v2/sports/{path}/standings"),
            DataKind::Teams => format!("apis/site/v2/sports/{path}/teams"),
        };
        url.set_path(&format!("{}{resource}", ensure_trailing_slash(url.path())));
        if let (DataKind::Games, Some(date)) = (query.kind, query.date) {
            url.query_pairs_mut()
                .append_pair("dates", &date.format("%Y%m%d").to_string());
        }
        if query.kind == DataKind::Teams {
            url.query_pairs_mut().append_pair("limit", "200");
        }
        url
    }
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
        let body = self.client.get(&self.url(query, &espn.path), &Free).await?;
        let source = Source {
            provider: ProviderKind::Espn,
            fetched_at: Utc::now(),
        };
        let dataset = normalize(query.kind, &body, &query.league, &source)?;
        Ok(Fetched { dataset, source })
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
