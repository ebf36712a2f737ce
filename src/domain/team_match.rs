//! How a typed team (`team=`, favourite teams) is matched against team names.
//!
//! Users type abbreviations ("KC"), cities ("Kansas City"), nicknames ("chiefs"), the start
//! of a name ("bay" for Bayern) and common short forms ("NY", "Man Utd", "Spurs"). Rules:
//!
//! 1. The whole text equals the team's abbreviation (any case): `KC`, `mun` no, `MAN` yes.
//! 2. It is a short form in the alias data of the league or its sport
//!    (`data/team_aliases.toml`): then one of the alias's phrases must equal consecutive
//!    whole words of the name, or the abbreviation: `NY` → "New York", `Spurs` (soccer) →
//!    "Tottenham", `PSG` → "Paris Saint-Germain", `Villa` → "Aston Villa" (not Villarreal).
//! 3. Otherwise its words match consecutive words of the team's name, each typed word equal
//!    to a name word or, from three letters on, its start: `chiefs`, `kansas city`,
//!    `man united`, `bay`. Shorter words must be whole words, so `LA` never matches
//!    "Las Vegas" or "Atlanta", and `Man` never matches "Commanders".
//!
//! Words are compared lower-cased with accents removed (`munchen` finds "München"), split at
//! anything that is not a letter or digit.

use std::collections::BTreeMap;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The bundled alias data.
pub const BUNDLED_ALIASES: &str = include_str!("../../data/team_aliases.toml");

/// Shortest typed word that may match the start of a name word.
const MIN_PREFIX: usize = 3;

/// Lower-cased, accent-free words of `text`.
pub fn words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A typed team, ready to test against names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamQuery {
    raw: String,
    /// The typed words, and the same with a word replaced by its short form's phrase
    /// (`la rams` → `los angeles rams`).
    variants: Vec<Vec<String>>,
    /// Phrases (as words) the league's alias data gives for the whole text.
    aliases: Vec<Vec<String>>,
}

impl TeamQuery {
    /// The text as typed, without short forms.
    pub fn new(text: &str) -> Self {
        Self {
            raw: text.trim().to_owned(),
            variants: vec![words(text)],
            aliases: Vec::new(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// True when this text names the team called `name` with `abbreviation`.
    pub fn matches(&self, name: &str, abbreviation: Option<&str>) -> bool {
        if self.raw.is_empty() {
            return false;
        }
        let abbreviation = abbreviation.map(str::trim).filter(|a| !a.is_empty());
        if abbreviation.is_some_and(|a| a.to_lowercase() == self.raw.to_lowercase()) {
            return true;
        }
        let name_words = words(name);
        if !self.aliases.is_empty() {
            return self.aliases.iter().any(|phrase| {
                runs(phrase, &name_words, |p, n| p == n) || abbreviation.is_some_and(|a| words(a) == *phrase)
            });
        }
        let typed = |t: &String, n: &String| t == n || (t.chars().count() >= MIN_PREFIX && n.starts_with(t.as_str()));
        self.variants.iter().any(|variant| runs(variant, &name_words, typed))
    }
}

/// True when `needle` matches some run of consecutive `hay` words, word by word.
fn runs(needle: &[String], hay: &[String], eq: impl Fn(&String, &String) -> bool) -> bool {
    !needle.is_empty()
        && hay.len() >= needle.len()
        && hay
            .windows(needle.len())
            .any(|window| window.iter().zip(needle).all(|(h, n)| eq(n, h)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasFile {
    #[serde(default)]
    sports: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    leagues: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

/// Short forms per league and per sport: typed text (as words) → phrases (as words).
#[derive(Debug, Clone, Default)]
pub struct TeamAliases {
    by_sport: BTreeMap<String, BTreeMap<Vec<String>, Vec<Vec<String>>>>,
    by_league: BTreeMap<String, BTreeMap<Vec<String>, Vec<Vec<String>>>>,
}

impl TeamAliases {
    pub fn bundled() -> Self {
        Self::parse(BUNDLED_ALIASES).expect("the bundled alias file is valid")
    }

    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        let file: AliasFile = toml::from_str(text)?;
        let index = |tables: BTreeMap<String, BTreeMap<String, Vec<String>>>| {
            tables
                .into_iter()
                .map(|(id, table)| {
                    let table = table
                        .into_iter()
                        .map(|(alias, phrases)| (words(&alias), phrases.iter().map(|p| words(p)).collect()))
                        .collect();
                    (id, table)
                })
                .collect()
        };
        Ok(Self {
            by_sport: index(file.sports),
            by_league: index(file.leagues),
        })
    }

    /// The phrases `text` stands for in `league` (of `sport`): the league's own, then the sport's.
    pub fn phrases(&self, league: &str, sport: &str, text: &str) -> Vec<Vec<String>> {
        let key = words(text);
        [self.by_league.get(league), self.by_sport.get(sport)]
            .into_iter()
            .flatten()
            .filter_map(|table| table.get(&key))
            .flatten()
            .cloned()
            .collect()
    }

    /// A query for `text` in `league` of `sport`, with its short forms: the whole text's,
    /// else each word's (at most a few variants).
    pub fn query(&self, league: &str, sport: &str, text: &str) -> TeamQuery {
        const MAX_VARIANTS: usize = 16;
        let mut query = TeamQuery::new(text);
        query.aliases = self.phrases(league, sport, text);
        if query.aliases.is_empty() {
            let typed = words(text);
            for (i, word) in typed.iter().enumerate() {
                for phrase in self.phrases(league, sport, word) {
                    if query.variants.len() >= MAX_VARIANTS {
                        break;
                    }
                    let mut variant = typed[..i].to_vec();
                    variant.extend(phrase);
                    variant.extend_from_slice(&typed[i + 1..]);
                    query.variants.push(variant);
                }
            }
        }
        query
    }
}

#[cfg(test)]
mod tests;
