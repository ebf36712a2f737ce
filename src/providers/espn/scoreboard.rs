//! ESPN scoreboard (`apis/site/v2/sports/{sport}/{league}/scoreboard`) → [`Game`]s.
//!
//! Also holds the small decoding helpers the standings and teams normalizers share.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::domain::{Game, GameStatus, League, Source, TeamSide};
use crate::providers::NormalizeError;

/// Normalizes a scoreboard: one [`Game`] per ESPN event, in upstream order, none dropped.
///
/// * Home and away come from each competitor's `homeAway`, never from list order.
/// * Scores are kept only for live and final games: ESPN sends `"0"` before kick-off.
/// * `date_text` is ESPN's human kick-off text (`status.type.detail`, else `shortDetail`,
///   e.g. "Sun, November 20th at 4:05 PM EST"), and only while the game is scheduled: once
///   it starts these fields hold the clock or "Final", not a date. `time_text` stays `None`:
///   ESPN folds the time into that same text, and splitting it would be our words, not theirs.
/// * `clock` is `status.type.shortDetail` while live ("11:50 - 2nd", "HT", "Rain Delay, Top 1st").
/// * `stage` is the competition's `altGameNote` ("FIFA World Cup, Quarterfinals"), else its
///   first note headline ("International Series").
pub fn parse_scoreboard(body: &[u8], league: &League, source: &Source) -> Result<Vec<Game>, NormalizeError> {
    let board: Scoreboard = decode(body, "scoreboard")?;
    Ok(board
        .events
        .into_iter()
        .map(|event| game(event, league, source))
        .collect())
}

#[derive(Deserialize)]
struct Scoreboard {
    // Required: a body without `events` is not a scoreboard, while `[]` is a day off.
    #[serde(deserialize_with = "required_list")]
    events: Vec<Event>,
}

#[derive(Deserialize)]
struct Event {
    #[serde(deserialize_with = "id_text")]
    id: String,
    #[serde(default, deserialize_with = "lenient")]
    date: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    status: Option<Status>,
    #[serde(default, deserialize_with = "lenient_list")]
    competitions: Vec<Competition>,
    #[serde(default, deserialize_with = "lenient")]
    venue: Option<EventVenue>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Competition {
    #[serde(default, deserialize_with = "lenient")]
    date: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    start_date: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    status: Option<Status>,
    #[serde(default, deserialize_with = "lenient")]
    venue: Option<CompetitionVenue>,
    #[serde(default, deserialize_with = "lenient_list")]
    competitors: Vec<Competitor>,
    #[serde(default, deserialize_with = "lenient")]
    alt_game_note: Option<String>,
    #[serde(default, deserialize_with = "lenient_list")]
    notes: Vec<Note>,
}

#[derive(Deserialize)]
struct Status {
    #[serde(rename = "type")]
    #[serde(default, deserialize_with = "lenient")]
    kind: Option<StatusType>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct StatusType {
    #[serde(default, deserialize_with = "lenient")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    state: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    detail: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    short_detail: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Competitor {
    #[serde(default, deserialize_with = "lenient")]
    home_away: Option<String>,
    // A string in every fixture; a number is tolerated.
    #[serde(default, deserialize_with = "lenient")]
    score: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "lenient")]
    team: Option<CompetitorTeam>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompetitorTeam {
    #[serde(default, deserialize_with = "lenient")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    short_display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    abbreviation: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    logo: Option<String>,
    #[serde(default, deserialize_with = "lenient_list")]
    logos: Vec<Logo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompetitionVenue {
    #[serde(default, deserialize_with = "lenient")]
    full_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventVenue {
    #[serde(default, deserialize_with = "lenient")]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct Note {
    #[serde(default, deserialize_with = "lenient")]
    headline: Option<String>,
}

fn game(event: Event, league: &League, source: &Source) -> Game {
    // Always exactly one competition in the payloads seen; later ones would be legs we ignore.
    let competition = event.competitions.into_iter().next().unwrap_or_default();
    // The event's status and the competition's are copies; the event's is the documented one.
    let kind = event
        .status
        .or(competition.status)
        .and_then(|s| s.kind)
        .unwrap_or_default();
    let status = map_status(kind.state.as_deref(), kind.name.as_deref());
    let starts_at = [event.date, competition.date, competition.start_date]
        .into_iter()
        .flatten()
        .find_map(|raw| parse_instant(&raw));
    let local_date = starts_at.map(|at| at.with_timezone(&league.time_zone).date_naive());
    let date_text = if status == GameStatus::Scheduled {
        [kind.detail.clone(), kind.short_detail.clone()]
            .into_iter()
            .flatten()
            .find(|text| text.bytes().any(|b| b.is_ascii_digit()))
    } else {
        None
    };
    let clock = if status == GameStatus::Live {
        non_empty(kind.short_detail).or_else(|| non_empty(kind.detail))
    } else {
        None
    };
    let venue = competition
        .venue
        .and_then(|v| non_empty(v.full_name))
        .or_else(|| event.venue.and_then(|v| non_empty(v.display_name)));
    let stage = non_empty(competition.alt_game_note)
        .or_else(|| competition.notes.into_iter().find_map(|n| non_empty(n.headline)));
    let (home, away, home_away_known) = sides(competition.competitors, status);
    Game {
        id: event.id,
        league: league.id.clone(),
        status,
        starts_at,
        local_date,
        date_text,
        time_text: None,
        home,
        away,
        home_away_known,
        venue,
        stage,
        clock,
        source: source.clone(),
    }
}

/// `state` decides the broad phase; `name` only refines what `state` cannot say.
fn map_status(state: Option<&str>, name: Option<&str>) -> GameStatus {
    let by_state = match state {
        Some("pre") => GameStatus::Scheduled,
        Some("in") => GameStatus::Live,
        Some("post") => GameStatus::Final,
        _ => GameStatus::Unknown,
    };
    match name {
        Some("STATUS_POSTPONED") => GameStatus::Postponed,
        Some("STATUS_CANCELED" | "STATUS_CANCELLED") => GameStatus::Canceled,
        // A suspended or delayed game is never finished, whatever `state` says.
        Some("STATUS_SUSPENDED" | "STATUS_DELAYED") if by_state == GameStatus::Final => GameStatus::Unknown,
        _ => by_state,
    }
}

/// Picks home and away by `homeAway`. Should a side be unlabelled (never seen), falls back
/// to the listed order with `home_away_known = false`, as the domain model defines it.
fn sides(competitors: Vec<Competitor>, status: GameStatus) -> (TeamSide, TeamSide, bool) {
    let has_score = matches!(status, GameStatus::Live | GameStatus::Final);
    let labelled = |side: &str| {
        competitors
            .iter()
            .position(|c| c.home_away.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(side)))
    };
    let pair = competitors.len() == 2;
    let (home, away, known) = match (labelled("home"), labelled("away")) {
        (Some(h), Some(a)) if h != a => (Some(h), Some(a), true),
        // With two competitors, one label settles the other side.
        (Some(h), None) if pair => (Some(h), Some(1 - h), true),
        (None, Some(a)) if pair => (Some(1 - a), Some(a), true),
        _ => (competitors.get(1).map(|_| 1), competitors.first().map(|_| 0), false),
    };
    let mut slots: Vec<Option<Competitor>> = competitors.into_iter().map(Some).collect();
    let mut take = |index: Option<usize>| {
        let competitor = index.and_then(|i| slots.get_mut(i)).and_then(Option::take);
        side(competitor, has_score)
    };
    let home = take(home);
    let away = take(away);
    (home, away, known)
}

fn side(competitor: Option<Competitor>, has_score: bool) -> TeamSide {
    // The usual placeholder for a side not known yet; ESPN's own placeholders are kept as-is.
    let tbd = || TeamSide {
        name: "TBD".into(),
        abbreviation: None,
        score: None,
        logo: None,
    };
    let Some(competitor) = competitor else { return tbd() };
    let score = if has_score {
        competitor.score.as_ref().and_then(score_value)
    } else {
        None
    };
    let Some(team) = competitor.team else {
        return TeamSide { score, ..tbd() };
    };
    let logo = non_empty(team.logo).or_else(|| team.logos.into_iter().find_map(|l| non_empty(l.href)));
    TeamSide {
        name: non_empty(team.display_name)
            .or_else(|| non_empty(team.name))
            .or_else(|| non_empty(team.short_display_name))
            .unwrap_or_else(|| tbd().name),
        abbreviation: non_empty(team.abbreviation),
        score,
        logo,
    }
}

fn score_value(raw: &serde_json::Value) -> Option<u32> {
    match raw {
        serde_json::Value::String(s) => s.trim().parse().ok(),
        serde_json::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        _ => None,
    }
}

/// ESPN writes UTC instants without seconds ("2022-11-20T18:00Z"), which RFC 3339 rejects.
fn parse_instant(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%MZ")
        .map(|naive| naive.and_utc())
        .or_else(|_| DateTime::parse_from_rfc3339(raw).map(|at| at.with_timezone(&Utc)))
        .ok()
}

// ---- lenient decoding: one odd field never costs a game ----

/// An optional field of the wrong shape (a string where an object belongs) reads as absent.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(serde_json::Value::deserialize(d)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// A list whose unreadable items are skipped; anything but a list reads as empty.
fn lenient_list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// A list that must be there and be a list (`events`), whose unreadable items are skipped.
fn required_list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => Ok(items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect()),
        _ => Err(serde::de::Error::custom("a list was expected")),
    }
}

// ---- helpers shared with `standings` and `teams` ----

/// A logo entry of ESPN's `logos[]` arrays.
#[derive(Deserialize)]
pub(super) struct Logo {
    pub(super) href: Option<String>,
}

/// Decodes an ESPN body into a wire struct. The error names what was expected and where,
/// never the payload's own values: serde's "invalid type: string \"…\"" messages quote them.
pub(super) fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, NormalizeError> {
    serde_json::from_slice(body).map_err(|e| NormalizeError(format!("ESPN {what}: {}", NormalizeError::from(e).0)))
}

/// ESPN ids are strings; a bare number is accepted as its decimal text.
pub(super) fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        _ => Err(serde::de::Error::custom("an id that is neither a string nor a number")),
    }
}

/// Trims, and treats an empty string as absent (ESPN sends `""` for unknown values).
pub(super) fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
pub(crate) mod props;
#[cfg(test)]
mod tests;
