//! SerpApi's sports card (`sports_results`) to [`Game`]s: the games list plus the spotlight.
//!
//! See `tests/data/upstream/SHAPES.md` §1 for the shapes; the traps handled here are the
//! spotlight living outside `games[]`, scores as strings, no home/away flag, and dates
//! without a year or zone (delegated to [`super::when`]).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use xxhash_rust::xxh3::xxh3_64;

use super::when::{self, When};
use crate::domain::league::ListedOrder;
use crate::domain::{Game, GameStatus, League, Source, TeamSide};
use crate::providers::NormalizeError;

type Object = Map<String, Value>;

/// Reads the games of a SerpApi response (or of a bare array of game objects, the shape
/// fixtures are often saved in). Times are read in `search_zone`, the zone of the `location`
/// sent with the search.
///
/// A successful search without a sports card is no games, not an error. The spotlight game
/// comes first (Google puts it at the top of the card), then `games[]` in upstream order.
pub fn parse_games(
    body: &[u8],
    league: &League,
    search_zone: Tz,
    source: &Source,
) -> Result<Vec<Game>, NormalizeError> {
    let root: Value = serde_json::from_slice(body)
        .map_err(|e| NormalizeError(format!("SerpApi body: {}", NormalizeError::from(e).0)))?;
    let (items, reference) = match &root {
        Value::Array(items) => (items.iter().collect::<Vec<_>>(), source.fetched_at),
        Value::Object(response) => (
            card_games(response)?,
            search_time(response).unwrap_or(source.fetched_at),
        ),
        _ => {
            return Err(NormalizeError("SerpApi body is neither an object nor an array".into()));
        }
    };
    let reader = Reader {
        league,
        search_zone,
        reference,
        source,
    };
    let mut games: Vec<Game> = Vec::with_capacity(items.len());
    for item in items {
        // An entry that is not an object cannot be a game; it costs no other game.
        let Value::Object(raw) = item else { continue };
        let mut game = reader.game(raw);
        // Two entries with the same teams and day (e.g. both sides still "TBD") must not
        // share an id; the n-th repeat gets a deterministic variant.
        let base = game.id.clone();
        let mut n = 1u32;
        while games.iter().any(|g| g.id == game.id) {
            game.id = digest(&[&base, &n.to_string()]);
            n += 1;
        }
        games.push(game);
    }
    Ok(games)
}

/// The spotlight plus `games[]` of a full response, after refusing an error response.
fn card_games(response: &Object) -> Result<Vec<&Value>, NormalizeError> {
    let failed = response
        .get("search_metadata")
        .and_then(|m| m.get("status"))
        .and_then(Value::as_str)
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("error"));
    let error = response.get("error").and_then(Value::as_str);
    // A successful search that found nothing carries an `error` text too; that is no games.
    if !failed && error.is_some_and(|e| e.contains("hasn't returned any results")) {
        return Ok(Vec::new());
    }
    // Never echo the upstream's error text: it may repeat the request, API key included.
    if failed || error.is_some() {
        return Err(NormalizeError("SerpApi reported an error".into()));
    }
    let card = match response.get("sports_results") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(card)) => card,
        Some(_) => {
            return Err(NormalizeError("SerpApi sports_results is not an object".into()));
        }
    };
    let mut items = Vec::new();
    match card.get("game_spotlight") {
        None | Some(Value::Null) => {}
        Some(spotlight @ Value::Object(_)) => items.push(spotlight),
        Some(_) => {
            return Err(NormalizeError("SerpApi game_spotlight is not an object".into()));
        }
    }
    match card.get("games") {
        None | Some(Value::Null) => {}
        Some(Value::Array(games)) => items.extend(games),
        Some(_) => {
            return Err(NormalizeError("SerpApi sports_results.games is not a list".into()));
        }
    }
    Ok(items)
}

/// `search_metadata.created_at` ("2022-01-20 06:46:16 UTC"): the only absolute time in a
/// response, and what Google's "today" and missing years are relative to.
fn search_time(response: &Object) -> Option<DateTime<Utc>> {
    let text = response.get("search_metadata")?.get("created_at")?.as_str()?.trim();
    let text = text.strip_suffix("UTC").unwrap_or(text).trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

struct Reader<'a> {
    league: &'a League,
    search_zone: Tz,
    reference: DateTime<Utc>,
    source: &'a Source,
}

impl Reader<'_> {
    fn game(&self, raw: &Object) -> Game {
        let date_text = raw_text(raw.get("date"));
        let time_text = raw_text(raw.get("time"));
        let When { starts_at, local_date } = when::resolve(
            date_text.as_deref(),
            time_text.as_deref(),
            self.reference,
            self.search_zone,
            self.league.time_zone,
        );
        // The day as the searcher saw it: it stays put when "tomorrow" becomes "today" and
        // when a finished game drops its time, unlike the league-zone `local_date`.
        let search_day = starts_at
            .map(|t| t.with_timezone(&self.search_zone).date_naive())
            .or(local_date);

        let teams: &[Value] = raw.get("teams").and_then(Value::as_array).map_or(&[], Vec::as_slice);
        let first = side(teams.first());
        let second = side(teams.get(1));
        let day_key = search_day.map_or_else(|| date_text.clone().unwrap_or_default(), |d| d.to_string());
        let id = digest(&[self.league.id.as_str(), &first.name, &second.name, &day_key]);

        let status_text = text(raw.get("status"));
        let status = match status_text.as_deref() {
            Some(s) => status_of(s),
            None if [&date_text, &time_text].into_iter().any(|t| says_live(t.as_deref())) => GameStatus::Live,
            None if search_day.is_some_and(|d| d < self.today()) => GameStatus::Unknown,
            None => GameStatus::Scheduled,
        };
        let clock = status_text.filter(|_| status == GameStatus::Live);

        let home_first = self
            .league
            .serpapi
            .as_ref()
            .is_some_and(|q| q.listed_order == ListedOrder::HomeFirst);
        let (home, away) = if home_first { (first, second) } else { (second, first) };
        Game {
            id,
            league: self.league.id.clone(),
            status,
            starts_at,
            local_date,
            date_text,
            time_text,
            home,
            away,
            home_away_known: home_first,
            venue: text(raw.get("stadium")),
            stage: text(raw.get("stage")),
            clock,
            source: self.source.clone(),
        }
    }

    fn today(&self) -> NaiveDate {
        self.reference.with_timezone(&self.search_zone).date_naive()
    }
}

fn side(team: Option<&Value>) -> TeamSide {
    TeamSide {
        name: text(team.and_then(|t| t.get("name"))).unwrap_or_else(|| "TBD".into()),
        abbreviation: None,
        score: team.and_then(|t| t.get("score")).and_then(score),
        logo: text(team.and_then(|t| t.get("thumbnail"))),
    }
}

/// Scores are strings in real payloads ("2"); a number is accepted too. Anything else
/// ("2 (4)", "-") is not a score we can vouch for.
fn score(value: &Value) -> Option<u32> {
    match value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        _ => None,
    }
}

/// The field exactly as written (date/time texts keep their odd spaces for callers).
fn raw_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A display field: trimmed, empty means absent.
fn text(value: Option<&Value>) -> Option<String> {
    raw_text(value).map(|s| s.trim().to_owned())
}

fn says_live(text: Option<&str>) -> bool {
    text.is_some_and(|t| t.split(',').any(|p| p.trim().eq_ignore_ascii_case("live")))
}

/// Google's status vocabulary (finished, live clocks, off days) to [`GameStatus`].
fn status_of(raw: &str) -> GameStatus {
    let s: String = raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let s = s.as_str();
    // Finished first: "Final/OT", "FT-Pens", "After extra time" also look like live texts.
    let finished = ["final", "full", "ft", "after ", "ended", "finished", "completed"];
    if finished.iter().any(|p| s.starts_with(p)) || matches!(s, "f" | "aet" | "pen" | "pens" | "f/ot") {
        return GameStatus::Final;
    }
    if s.starts_with("postponed") || s == "ppd" {
        return GameStatus::Postponed;
    }
    if s.starts_with("cancel") {
        return GameStatus::Canceled;
    }
    let live_words = [
        "live",
        "half-time",
        "halftime",
        "half time",
        "ht",
        "in progress",
        "extra time",
    ];
    let live_words = live_words.iter().any(|w| s == *w || s.starts_with(&format!("{w} ")));
    if live_words || s == "ot" || s.starts_with("ot ") || s.contains("overtime") || is_minute(s) || has_period(s) {
        return GameStatus::Live;
    }
    GameStatus::Unknown
}

/// A match minute: "45'", "90+3'", "45’+1".
fn is_minute(s: &str) -> bool {
    let Some(i) = s.find(['\'', '’', '′']) else {
        return false;
    };
    i > 0 && s[..i].chars().all(|c| c.is_ascii_digit() || c == '+' || c == ' ') && s.as_bytes()[0].is_ascii_digit()
}

/// A period marker: "2nd", "Top 7th", "11:50 - 2nd", "Q3", "3rd quarter".
fn has_period(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| {
        let ordinal = ["st", "nd", "rd", "th"].iter().any(|suffix| {
            word.strip_suffix(suffix)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        let quarter = word.len() == 2 && word.starts_with('q') && matches!(word.as_bytes()[1], b'1'..=b'4');
        ordinal || quarter
    })
}

fn digest(parts: &[&str]) -> String {
    // Unit separator between fields so ("ab", "c") and ("a", "bc") differ.
    format!("{:016x}", xxh3_64(parts.join("\u{1f}").as_bytes()))
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
