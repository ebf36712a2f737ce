//! Leagues and the catalogue that describes them: which upstream query serves each one.
//!
//! The catalogue is data (`data/leagues.toml`, embedded), extended or overridden by the
//! `[leagues.ID]` tables of the user's config file.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::team_match::{TeamAliases, TeamQuery};

/// The bundled league catalogue.
pub const BUNDLED_CATALOGUE: &str = include_str!("../../data/leagues.toml");

/// A league id: lower-case ASCII letters, digits, `-` or `_`, 1 to 32 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct LeagueId(Arc<str>);

impl LeagueId {
    pub fn parse(raw: &str) -> Result<Self, InvalidLeagueId> {
        let ok = (1..=32).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(raw.into()))
        } else {
            Err(InvalidLeagueId(raw.chars().take(40).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LeagueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LeagueId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid league id {0:?}: use lower-case letters, digits, '-' or '_' (at most 32)")]
pub struct InvalidLeagueId(String);

/// The upstreams sportsgate can read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Serpapi,
    Espn,
    Replay,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Serpapi => "serpapi",
            Self::Espn => "espn",
            Self::Replay => "replay",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "serpapi" => Some(Self::Serpapi),
            "espn" => Some(Self::Espn),
            "replay" => Some(Self::Replay),
            _ => None,
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side SerpApi lists first for a league: proven for soccer (home first), unproven
/// for US leagues, where sportsgate says "unknown" rather than guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListedOrder {
    HomeFirst,
    Unknown,
}

/// What to ask SerpApi for a league.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SerpapiQuery {
    /// The Google query text (`q`).
    pub query: String,
    pub listed_order: ListedOrder,
}

/// What to ask ESPN for a league: the `sport/league` path segment pair.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EspnQuery {
    /// e.g. `football/nfl`, `soccer/eng.1`.
    pub path: String,
}

/// One league of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct League {
    #[schema(value_type = String)]
    pub id: LeagueId,
    pub name: String,
    pub sport: String,
    /// IANA zone of the league's home; `local_date` is the game day there.
    #[schema(value_type = String, example = "America/New_York")]
    pub time_zone: Tz,
    pub serpapi: Option<SerpapiQuery>,
    pub espn: Option<EspnQuery>,
}

impl League {
    /// The providers that can answer for this league (replay follows the ESPN/SerpApi recordings).
    pub fn providers(&self) -> Vec<ProviderKind> {
        let mut out = Vec::new();
        if self.serpapi.is_some() {
            out.push(ProviderKind::Serpapi);
        }
        if self.espn.is_some() {
            out.push(ProviderKind::Espn);
        }
        out
    }
}

/// A league entry as written in TOML (bundled file or user config).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeagueEntry {
    pub name: Option<String>,
    pub sport: Option<String>,
    pub time_zone: Option<String>,
    pub serpapi: Option<SerpapiQuery>,
    pub espn: Option<EspnQuery>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    leagues: BTreeMap<String, LeagueEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("league catalogue is not valid TOML: {0}")]
    Syntax(#[from] toml::de::Error),
    #[error(transparent)]
    Id(#[from] InvalidLeagueId),
    #[error("league {league}: {message}")]
    Entry { league: String, message: String },
}

/// All leagues sportsgate knows, by id, and the short forms their teams go by.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    leagues: BTreeMap<LeagueId, Arc<League>>,
    aliases: TeamAliases,
}

impl Catalogue {
    /// The bundled catalogue with the user's entries laid over it: a user entry for a known id
    /// overrides the fields it names, a new id adds a league (and must name every field).
    pub fn load(overrides: &BTreeMap<String, LeagueEntry>) -> Result<Self, CatalogueError> {
        let bundled: CatalogueFile = toml::from_str(BUNDLED_CATALOGUE)?;
        let mut merged = bundled.leagues;
        for (id, entry) in overrides {
            let slot = merged.entry(id.clone()).or_insert_with(|| LeagueEntry {
                name: None,
                sport: None,
                time_zone: None,
                serpapi: None,
                espn: None,
            });
            let e = entry.clone();
            slot.name = e.name.or(slot.name.take());
            slot.sport = e.sport.or(slot.sport.take());
            slot.time_zone = e.time_zone.or(slot.time_zone.take());
            slot.serpapi = e.serpapi.or(slot.serpapi.take());
            slot.espn = e.espn.or(slot.espn.take());
        }
        let mut leagues = BTreeMap::new();
        for (raw_id, entry) in merged {
            let id = LeagueId::parse(&raw_id)?;
            let missing = |field: &str| CatalogueError::Entry {
                league: raw_id.clone(),
                message: format!("`{field}` is required"),
            };
            let zone_text = entry.time_zone.ok_or_else(|| missing("time_zone"))?;
            let time_zone: Tz = zone_text.parse().map_err(|_| CatalogueError::Entry {
                league: raw_id.clone(),
                message: format!("unknown time zone {zone_text:?}"),
            })?;
            if entry.serpapi.is_none() && entry.espn.is_none() {
                return Err(CatalogueError::Entry {
                    league: raw_id,
                    message: "needs a [serpapi] or [espn] table".into(),
                });
            }
            let league = League {
                id: id.clone(),
                name: entry.name.ok_or_else(|| missing("name"))?,
                sport: entry.sport.ok_or_else(|| missing("sport"))?,
                time_zone,
                serpapi: entry.serpapi,
                espn: entry.espn,
            };
            leagues.insert(id, Arc::new(league));
        }
        Ok(Self {
            leagues,
            aliases: TeamAliases::bundled(),
        })
    }

    /// The league with this id. Ids, like every enumerated value sportsgate defines, are
    /// matched without regard to case (`NFL` is `nfl`) and always written in lower case.
    pub fn get(&self, id: &str) -> Option<&Arc<League>> {
        LeagueId::parse(&id.trim().to_ascii_lowercase())
            .ok()
            .and_then(|id| self.leagues.get(&id))
    }

    /// What `text` means as a team of `league`: its words and its short forms.
    pub fn team_query(&self, league: &League, text: &str) -> TeamQuery {
        self.aliases.query(league.id.as_str(), &league.sport, text)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<League>> {
        self.leagues.values()
    }

    pub fn ids(&self) -> Vec<&str> {
        self.leagues.keys().map(LeagueId::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalogue_has_the_eleven_fixed_leagues() {
        let cat = Catalogue::load(&BTreeMap::new()).unwrap();
        for id in [
            "nfl",
            "nba",
            "mlb",
            "nhl",
            "mls",
            "epl",
            "seriea",
            "laliga",
            "bundesliga",
            "ligue1",
            "ucl",
        ] {
            let league = cat.get(id).unwrap_or_else(|| panic!("{id} missing"));
            assert!(
                league.espn.is_some() && league.serpapi.is_some(),
                "{id} lacks a provider"
            );
        }
        assert_eq!(cat.ids().len(), 11);
    }

    #[test]
    fn user_entries_override_fields_and_add_leagues() {
        let user: BTreeMap<String, LeagueEntry> = toml::from_str(
            r#"
            [nfl]
            name = "National Football League"
            [wnba]
            name = "WNBA"
            sport = "basketball"
            time_zone = "America/New_York"
            espn = { path = "basketball/wnba" }
            "#,
        )
        .unwrap();
        let cat = Catalogue::load(&user).unwrap();
        assert_eq!(cat.get("nfl").unwrap().name, "National Football League");
        assert_eq!(cat.get("nfl").unwrap().espn.as_ref().unwrap().path, "football/nfl");
        assert_eq!(cat.get("wnba").unwrap().providers(), vec![ProviderKind::Espn]);
    }

    #[test]
    fn a_new_league_without_a_zone_is_refused_by_name() {
        let user: BTreeMap<String, LeagueEntry> =
            toml::from_str("[xfl]\nname = \"XFL\"\nsport = \"football\"\nespn = { path = \"football/xfl\" }").unwrap();
        let err = Catalogue::load(&user).unwrap_err().to_string();
        assert!(err.contains("xfl") && err.contains("time_zone"), "{err}");
    }

    #[test]
    fn league_ids_are_validated() {
        assert!(LeagueId::parse("epl").is_ok());
        assert!(LeagueId::parse("EPL").is_err());
        let cat = Catalogue::load(&BTreeMap::new()).unwrap();
        assert_eq!(cat.get("EPL").unwrap().id.as_str(), "epl");
        assert_eq!(cat.get(" Nfl ").unwrap().id.as_str(), "nfl");
        assert!(LeagueId::parse("").is_err());
        assert!(LeagueId::parse("../etc").is_err());
    }
}
