//! The provider chain: the primary provider, then the fallback, each behind its circuit
//! breaker. This is the one place that decides which upstream answers a query.

use std::sync::Arc;

use super::breaker::{Breaker, BreakerState};
use super::espn::EspnProvider;
use super::replay::ReplayProvider;
use super::serpapi::SerpapiProvider;
use super::{Coverage, Fetched, Provider, ProviderError, UpstreamQuery};
use crate::config::Config;
use crate::domain::{League, ProviderKind};
use crate::store::Store;

struct Link {
    provider: Arc<dyn Provider>,
    breaker: Breaker,
}

pub struct ProviderChain {
    links: Vec<Link>,
    /// The whole time one `fetch` may take, every provider and retry included.
    budget: std::time::Duration,
}

impl ProviderChain {
    /// The configured primary and fallback providers. `store` persists the SerpApi budget.
    pub fn from_config(config: &Config, store: Option<Arc<dyn Store>>) -> Self {
        let build = |kind: ProviderKind| -> Arc<dyn Provider> {
            match kind {
                ProviderKind::Serpapi => {
                    Arc::new(SerpapiProvider::new(&config.serpapi, &config.upstream, store.clone()))
                }
                ProviderKind::Espn => Arc::new(EspnProvider::new(&config.espn, &config.upstream)),
                ProviderKind::Replay => {
                    Arc::new(ReplayProvider::new(config.replay_dir.clone(), config.serpapi.time_zone))
                }
            }
        };
        let kinds = std::iter::once(config.provider).chain(config.fallback);
        Self::new(
            kinds.map(build).collect(),
            config.upstream.breaker_failures,
            config.upstream.breaker_cooldown,
            config.upstream.budget,
        )
    }

    pub fn new(
        providers: Vec<Arc<dyn Provider>>,
        breaker_failures: u32,
        cooldown: std::time::Duration,
        budget: std::time::Duration,
    ) -> Self {
        let links = providers
            .into_iter()
            .map(|provider| Link {
                breaker: Breaker::new(provider.kind(), breaker_failures, cooldown),
                provider,
            })
            .collect();
        Self { links, budget }
    }

    /// Whether this link may answer `query`: it serves the league and kind, and for a dated
    /// query it can look that day up (an undated view filtered by date would miss games).
    fn serves(link: &Link, query: &UpstreamQuery) -> bool {
        link.provider.supports(query) && (query.date.is_none() || link.provider.takes_date())
    }

    /// What each provider, primary first, serves for `league` (those that serve nothing are
    /// left out).
    pub fn coverage(&self, league: &League) -> Vec<Coverage> {
        self.links
            .iter()
            .map(|l| l.provider.coverage(league))
            .filter(|c| !c.kinds.is_empty())
            .collect()
    }

    /// The kinds of the providers in order (primary first).
    pub fn providers(&self) -> Vec<ProviderKind> {
        self.links.iter().map(|l| l.provider.kind()).collect()
    }

    /// Probes every provider (for `check`), without touching the breakers.
    pub async fn probe(&self) -> Vec<(ProviderKind, Result<(), ProviderError>)> {
        let mut out = Vec::new();
        for link in &self.links {
            out.push((link.provider.kind(), link.provider.probe().await));
        }
        out
    }

    /// Each provider's circuit state, for readiness.
    pub fn circuits(&self) -> Vec<(ProviderKind, BreakerState)> {
        self.links
            .iter()
            .map(|l| (l.provider.kind(), l.breaker.state()))
            .collect()
    }

    /// Asks each provider in turn until one answers, all within the chain's budget. Returns
    /// the most telling error when none does: the first provider's, unless it could not
    /// serve the query at all.
    pub async fn fetch(&self, query: &UpstreamQuery) -> Result<Fetched, ProviderError> {
        let deadline = tokio::time::Instant::now() + self.budget;
        let mut first_error: Option<ProviderError> = None;
        let able: Vec<&Link> = self.links.iter().filter(|l| Self::serves(l, query)).collect();
        for (i, link) in able.iter().enumerate() {
            let kind = link.provider.kind();
            // Each provider gets an equal share of what is left, so a hanging primary leaves
            // the fallback its turn; the last one gets all that remains.
            let now = tokio::time::Instant::now();
            let share = deadline.saturating_duration_since(now) / u32::try_from(able.len() - i).unwrap_or(1);
            let result = if share.is_zero() {
                Err(ProviderError::Timeout)
            } else if link.breaker.allow() {
                let result = tokio::time::timeout(share, link.provider.fetch(query))
                    .await
                    .unwrap_or(Err(ProviderError::Timeout));
                match &result {
                    Ok(_) => link.breaker.record_success(),
                    Err(e) if e.is_upstream_failure() => link.breaker.record_failure(),
                    Err(_) => link.breaker.record_neutral(),
                }
                result
            } else {
                Err(ProviderError::CircuitOpen {
                    provider: kind,
                    retry_after: link.breaker.retry_after(),
                })
            };
            match result {
                Ok(fetched) => return Ok(fetched),
                Err(err) => {
                    tracing::warn!(provider = %kind, league = %query.league.id, kind = query.kind.as_str(), error = %err, "provider failed");
                    first_error.get_or_insert(err);
                }
            }
        }
        if let Some(err) = first_error {
            return Err(err);
        }
        let undated = UpstreamQuery {
            date: None,
            ..query.clone()
        };
        if query.date.is_some() && self.links.iter().any(|l| Self::serves(l, &undated)) {
            return Err(ProviderError::DateUnsupported {
                providers: self
                    .providers()
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                league: query.league.id.to_string(),
            });
        }
        Err(ProviderError::Unsupported {
            provider: self.links.first().map_or(ProviderKind::Espn, |l| l.provider.kind()),
            kind: query.kind.as_str(),
            league: query.league.id.to_string(),
        })
    }
}
