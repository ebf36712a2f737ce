//! SerpApi's Google engine: the sports card (`sports_results`) of a league query. Serves
//! games only; standings and teams go to the fallback provider.

pub mod budget;
pub mod games;
pub mod when;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use secrecy::ExposeSecret;
use url::Url;

use self::budget::MonthlyBudget;
use super::upstream_client::{Free, UpstreamClient};
use super::{Coverage, DataKind, Dataset, DateCoverage, Fetched, Provider, ProviderError, UpstreamQuery};
use crate::config::{SerpapiSettings, UpstreamSettings};
use crate::domain::{League, ProviderKind, Source};
use crate::store::Store;

pub struct SerpapiProvider {
    client: UpstreamClient,
    settings: SerpapiSettings,
    budget: MonthlyBudget,
}

impl SerpapiProvider {
    pub fn new(settings: &SerpapiSettings, upstream: &UpstreamSettings, store: Option<Arc<dyn Store>>) -> Self {
        Self {
            client: UpstreamClient::new(ProviderKind::Serpapi, upstream),
            budget: MonthlyBudget::new(settings.monthly_budget, store),
            settings: settings.clone(),
        }
    }

    /// `search.json?engine=google&q=…&location=…&gl=…&hl=…&api_key=…`. The URL holds the key:
    /// it is built here, handed to the client, and never logged or returned.
    fn url(&self, q: &str, key: &str) -> Url {
        let mut url = self.settings.base_url.clone();
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{path}/search.json"));
        url.query_pairs_mut()
            .append_pair("engine", "google")
            .append_pair("q", q)
            .append_pair("location", &self.settings.location)
            .append_pair("gl", &self.settings.gl)
            .append_pair("hl", &self.settings.hl)
            .append_pair("api_key", key);
        url
    }
}

#[async_trait]
impl Provider for SerpapiProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Serpapi
    }

    fn supports(&self, query: &UpstreamQuery) -> bool {
        query.kind == DataKind::Games && query.league.serpapi.is_some()
    }

    fn takes_date(&self) -> bool {
        // The sports card lists some recent and upcoming games, never a whole given day.
        false
    }

    fn coverage(&self, league: &League) -> Coverage {
        Coverage {
            provider: ProviderKind::Serpapi,
            kinds: if league.serpapi.is_some() {
                vec![DataKind::Games]
            } else {
                Vec::new()
            },
            dates: DateCoverage::None,
            recorded_dates: None,
        }
    }

    async fn fetch(&self, query: &UpstreamQuery) -> Result<Fetched, ProviderError> {
        let (Some(serp), DataKind::Games) = (&query.league.serpapi, query.kind) else {
            return Err(ProviderError::Unsupported {
                provider: ProviderKind::Serpapi,
                kind: query.kind.as_str(),
                league: query.league.id.to_string(),
            });
        };
        let key = self
            .settings
            .api_key
            .as_ref()
            .ok_or(ProviderError::NotConfigured(ProviderKind::Serpapi))?;
        let url = self.url(&serp.query, key.expose_secret());
        let body = self.client.get(&url, &self.budget).await?;
        let source = Source {
            provider: ProviderKind::Serpapi,
            fetched_at: Utc::now(),
        };
        let games = games::parse_games(&body, &query.league, self.settings.time_zone, &source)?;
        Ok(Fetched {
            dataset: Dataset::Games(games),
            source,
        })
    }

    /// `account.json` answers with the plan and remaining searches and costs no search.
    async fn probe(&self) -> Result<(), ProviderError> {
        let key = self
            .settings
            .api_key
            .as_ref()
            .ok_or(ProviderError::NotConfigured(ProviderKind::Serpapi))?;
        let mut url = self.settings.base_url.clone();
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{path}/account.json"));
        url.query_pairs_mut().append_pair("api_key", key.expose_secret());
        self.client.get(&url, &Free).await.map(|_| ())
    }
}
