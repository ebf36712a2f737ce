//! The replay provider: serves recorded upstream responses from a directory (bundled into
//! the binary by default) through the same normalizers as live data, for offline use,
//! demos and tests. Layout: `data/replay/README.md`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use include_dir::{Dir, include_dir};

use super::{
    Coverage, DataKind, Dataset, DateCoverage, Fetched, Provider, ProviderError, UpstreamQuery, espn, games_of_day,
    serpapi,
};
use crate::domain::{League, ProviderKind, Source};

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

    /// Whether a recording exists (no read of its contents).
    fn exists(&self, relative: &str) -> bool {
        match &self.recordings {
            Recordings::Bundled => BUNDLED.get_file(relative).is_some(),
            Recordings::Directory(root) => safe_join(root, relative).is_some_and(|p| p.is_file()),
        }
    }

    /// Candidate recordings of the current view (no date), most specific first.
    fn candidates(kind: DataKind, league: &League) -> Vec<(ProviderKind, String)> {
        let mut out = Vec::new();
        if let Some(espn) = &league.espn {
            let dir = format!("espn/{}", espn.path);
            let file = match kind {
                DataKind::Games => "scoreboard.json",
                DataKind::Standings => "standings.json",
                DataKind::Teams => "teams.json",
            };
            out.push((ProviderKind::Espn, format!("{dir}/{file}")));
        }
        if kind == DataKind::Games && league.serpapi.is_some() {
            out.push((ProviderKind::Serpapi, format!("serpapi/{}.json", league.id)));
        }
        out
    }

    /// The recorded ESPN board of one ESPN day.
    fn board_path(espn_path: &str, board: NaiveDate) -> String {
        format!("espn/{espn_path}/scoreboard-{}.json", board.format("%Y%m%d"))
    }

    /// The games of a league-local day from recorded boards, as the ESPN provider composes
    /// them live; every board the day overlaps must be recorded.
    async fn games_of_day(
        &self,
        query: &UpstreamQuery,
        day: NaiveDate,
        source: &Source,
    ) -> Result<Dataset, ProviderError> {
        let league = &query.league;
        let espn = league.espn.as_ref().ok_or_else(|| no_recording(query))?;
        let mut boards = Vec::new();
        for board in espn::board_days(day, league) {
            let body = self.read(&Self::board_path(&espn.path, board)).await.ok_or_else(|| {
                ProviderError::NoRecording(format!(
                    "games of league {} on {day} (ESPN board of {board})",
                    league.id
                ))
            })?;
            boards.push(espn::scoreboard::parse_scoreboard(&body, league, source)?);
        }
        Ok(Dataset::Games(games_of_day(boards, day)))
    }

    /// League-local days whose every board is recorded.
    fn recorded_days(&self, league: &League) -> Vec<NaiveDate> {
        let Some(espn) = &league.espn else { return Vec::new() };
        let dir = format!("espn/{}", espn.path);
        let names: Vec<String> = match &self.recordings {
            Recordings::Bundled => BUNDLED
                .get_dir(&dir)
                .map(|d| {
                    d.files()
                        .filter_map(|f| f.path().file_name()?.to_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            Recordings::Directory(root) => safe_join(root, &dir)
                .and_then(|p| std::fs::read_dir(p).ok())
                .map(|entries| {
                    entries
                        .filter_map(|e| e.ok()?.file_name().to_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let boards: BTreeSet<NaiveDate> = names
            .iter()
            .filter_map(|n| n.strip_prefix("scoreboard-")?.strip_suffix(".json"))
            .filter_map(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok())
            .collect();
        let candidates: BTreeSet<NaiveDate> = boards
            .iter()
            .flat_map(|b| [b.pred_opt(), Some(*b), b.succ_opt()])
            .flatten()
            .collect();
        candidates
            .into_iter()
            .filter(|day| espn::board_days(*day, league).iter().all(|b| boards.contains(b)))
            .collect()
    }
}

fn no_recording(query: &UpstreamQuery) -> ProviderError {
    ProviderError::NoRecording(format!("{} of league {}", query.kind.as_str(), query.league.id))
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
        match query.date {
            Some(_) => query.kind == DataKind::Games && query.league.espn.is_some(),
            None => !Self::candidates(query.kind, &query.league).is_empty(),
        }
    }

    fn takes_date(&self) -> bool {
        true
    }

    async fn fetch(&self, query: &UpstreamQuery) -> Result<Fetched, ProviderError> {
        let source = Source {
            provider: ProviderKind::Replay,
            fetched_at: Utc::now(),
        };
        if let (DataKind::Games, Some(day)) = (query.kind, query.date) {
            let dataset = self.games_of_day(query, day, &source).await?;
            return Ok(Fetched { dataset, source });
        }
        for (format, path) in Self::candidates(query.kind, &query.league) {
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
        Err(no_recording(query))
    }

    fn coverage(&self, league: &League) -> Coverage {
        let recorded = |kind: DataKind| Self::candidates(kind, league).iter().any(|(_, path)| self.exists(path));
        let days = self.recorded_days(league);
        let mut kinds: Vec<DataKind> = [DataKind::Games, DataKind::Standings, DataKind::Teams]
            .into_iter()
            .filter(|k| recorded(*k))
            .collect();
        if !days.is_empty() && !kinds.contains(&DataKind::Games) {
            kinds.insert(0, DataKind::Games);
        }
        Coverage {
            provider: ProviderKind::Replay,
            kinds,
            dates: if days.is_empty() {
                DateCoverage::None
            } else {
                DateCoverage::Recorded
            },
            recorded_dates: (!days.is_empty()).then_some(days),
        }
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
