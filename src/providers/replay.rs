//! The replay provider: serves recorded upstream responses from a directory (bundled into
//! the binary by default) through the same normalizers as live data, for offline use,
//! demos and tests. Layout: `data/replay/README.md`.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::Utc;
use chrono_tz::Tz;
use include_dir::{Dir, include_dir};

use super::{DataKind, Dataset, Fetched, Provider, ProviderError, UpstreamQuery, espn, serpapi};
use crate::domain::{ProviderKind, Source};

static BUNDLED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/data/replay");

enum Recordings {
    Bundled,
    Directory(PathBuf),
}

pub struct ReplayProvider {
    recordings: Recordings,
    /// Zone of the SerpApi recordings' wall-clock times.
    serpapi_zone: Tz,
}

impl ReplayProvider {
    pub fn new(dir: Option<PathBuf>, serpapi_zone: Tz) -> Self {
        let recordings = dir.map_or(Recordings::Bundled, Recordings::Directory);
        Self {
            recordings,
            serpapi_zone,
        }
    }

    async fn read(&self, relative: &str) -> Option<Vec<u8>> {
        match &self.recordings {
            Recordings::Bundled => BUNDLED.get_file(relative).map(|f| f.contents().to_vec()),
            Recordings::Directory(root) => tokio::fs::read(safe_join(root, relative)?).await.ok(),
        }
    }

    /// Candidate recordings for a query, most specific first.
    fn candidates(query: &UpstreamQuery) -> Vec<(ProviderKind, String)> {
        let mut out = Vec::new();
        if let Some(espn) = &query.league.espn {
            let dir = format!("espn/{}", espn.path);
            match query.kind {
                DataKind::Games => {
                    if let Some(date) = query.date {
                        out.push((
                            ProviderKind::Espn,
                            format!("{dir}/scoreboard-{}.json", date.format("%Y%m%d")),
                        ));
                    }
                    out.push((ProviderKind::Espn, format!("{dir}/scoreboard.json")));
                }
                DataKind::Standings => out.push((ProviderKind::Espn, format!("{dir}/standings.json"))),
                DataKind::Teams => out.push((ProviderKind::Espn, format!("{dir}/teams.json"))),
            }
        }
        if query.kind == DataKind::Games && query.league.serpapi.is_some() {
            out.push((ProviderKind::Serpapi, format!("serpapi/{}.json", query.league.id)));
        }
        out
    }
}

/// Joins a catalogue-derived relative path under `root`, refusing anything that could climb
/// out of it (catalogue entries are user data).
fn safe_join(root: &Path, relative: &str) -> Option<PathBuf> {
    let ok = relative
        .split('/')
        .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'));
    ok.then(|| root.join(relative))
}

#[async_trait]
impl Provider for ReplayProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Replay
    }

    fn supports(&self, query: &UpstreamQuery) -> bool {
        !Self::candidates(query).is_empty()
    }

    fn takes_date(&self) -> bool {
        true
    }

    async fn fetch(&self, query: &UpstreamQuery) -> Result<Fetched, ProviderError> {
        let source = Source {
            provider: ProviderKind::Replay,
            fetched_at: Utc::now(),
        };
        for (format, path) in Self::candidates(query) {
            let Some(body) = self.read(&path).await else { continue };
            let dataset = match format {
                ProviderKind::Serpapi => Dataset::Games(serpapi::games::parse_games(
                    &body,
                    &query.league,
                    self.serpapi_zone,
                    &source,
                )?),
                _ => espn::normalize(query.kind, &body, &query.league, &source)?,
            };
            return Ok(Fetched { dataset, source });
        }
        Err(ProviderError::NoRecording(format!(
            "{} of league {}",
            query.kind.as_str(),
            query.league.id
        )))
    }

    async fn probe(&self) -> Result<(), ProviderError> {
        match &self.recordings {
            Recordings::Bundled => Ok(()),
            Recordings::Directory(root) => {
                let readable = tokio::fs::read_dir(root).await.is_ok();
                if readable {
                    Ok(())
                } else {
                    Err(ProviderError::NoRecording("the replay directory (unreadable)".into()))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_out_of_the_directory_are_refused() {
        let root = Path::new("/srv/rec");
        assert_eq!(
            safe_join(root, "espn/football/nfl/teams.json"),
            Some(root.join("espn/football/nfl/teams.json"))
        );
        assert_eq!(safe_join(root, "espn/../../etc/passwd"), None);
        assert_eq!(safe_join(root, "/etc/passwd"), None);
    }

    #[test]
    fn the_bundled_recordings_are_embedded() {
        assert!(BUNDLED.get_file("espn/football/nfl/scoreboard.json").is_some());
        assert!(BUNDLED.get_file("espn/soccer/eng.1/standings.json").is_some());
    }
}
