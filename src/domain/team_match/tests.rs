//! What real users type, against the team names upstreams send.

use super::*;

/// (name, abbreviation) as ESPN sends them (and SerpApi's short names where they differ).
const NFL: &[(&str, &str)] = &[
    ("Atlanta Falcons", "ATL"),
    ("Chicago Bears", "CHI"),
    ("Cleveland Browns", "CLE"),
    ("Dallas Cowboys", "DAL"),
    ("Kansas City Chiefs", "KC"),
    ("Las Vegas Raiders", "LV"),
    ("Los Angeles Chargers", "LAC"),
    ("Los Angeles Rams", "LAR"),
    ("New England Patriots", "NE"),
    ("New York Giants", "NYG"),
    ("New York Jets", "NYJ"),
    ("Philadelphia Eagles", "PHI"),
    ("San Francisco 49ers", "SF"),
    ("Tampa Bay Buccaneers", "TB"),
    ("Washington Commanders", "WSH"),
];

const NBA: &[(&str, &str)] = &[
    ("Brooklyn Nets", "BKN"),
    ("LA Clippers", "LAC"),
    ("Los Angeles Lakers", "LAL"),
    ("New York Knicks", "NY"),
    ("Philadelphia 76ers", "PHI"),
    ("San Antonio Spurs", "SA"),
    ("Minnesota Timberwolves", "MIN"),
];

const SOCCER: &[(&str, &str)] = &[
    ("Manchester United", "MAN"),
    ("Man United", ""),
    ("Manchester City", "MNC"),
    ("Tottenham Hotspur", "TOT"),
    ("Wolverhampton Wanderers", "WOL"),
    ("Brighton & Hove Albion", "BHA"),
    ("Nottingham Forest", "NFO"),
    ("Bayern Munich", "BAY"),
    ("Borussia Mönchengladbach", "BMG"),
    ("Borussia Dortmund", "DOR"),
    ("Paris Saint-Germain", "PSG"),
    ("Paris FC", "PFC"),
    ("Olympique de Marseille", "MAR"),
    ("Atlético Madrid", "ATM"),
    ("Real Madrid", "RMA"),
    ("Internazionale", "INT"),
];

fn matched(league: &str, sport: &str, teams: &[(&str, &str)], typed: &str) -> Vec<String> {
    let query = TeamAliases::bundled().query(league, sport, typed);
    teams
        .iter()
        .filter(|(name, abbr)| query.matches(name, Some(abbr)))
        .map(|(name, _)| (*name).to_owned())
        .collect()
}

#[test]
fn what_users_type_for_nfl_teams() {
    let table: &[(&str, &[&str])] = &[
        ("KC", &["Kansas City Chiefs"]),
        ("kc", &["Kansas City Chiefs"]),
        ("chiefs", &["Kansas City Chiefs"]),
        ("Kansas City", &["Kansas City Chiefs"]),
        ("kansas", &["Kansas City Chiefs"]),
        ("LA", &["Los Angeles Chargers", "Los Angeles Rams"]),
        ("NY", &["New York Giants", "New York Jets"]),
        ("new york", &["New York Giants", "New York Jets"]),
        ("giants", &["New York Giants"]),
        ("Man", &[]),
        ("SF", &["San Francisco 49ers"]),
        ("niners", &["San Francisco 49ers"]),
        ("49ers", &["San Francisco 49ers"]),
        ("pats", &["New England Patriots"]),
        ("Bucs", &["Tampa Bay Buccaneers"]),
        ("commanders", &["Washington Commanders"]),
        ("eagles", &["Philadelphia Eagles"]),
        ("la rams", &["Los Angeles Rams"]),
        ("Las Vegas", &["Las Vegas Raiders"]),
        ("la", &["Los Angeles Chargers", "Los Angeles Rams"]),
        ("at", &[]),
        ("  ", &[]),
        ("zzzz", &[]),
    ];
    for (typed, expected) in table {
        assert_eq!(
            matched("nfl", "american-football", NFL, typed),
            *expected,
            "team={typed:?}"
        );
    }
}

#[test]
fn what_users_type_for_nba_teams() {
    let table: &[(&str, &[&str])] = &[
        ("LA", &["LA Clippers", "Los Angeles Lakers"]),
        ("NY", &["Brooklyn Nets", "New York Knicks"]),
        ("Sixers", &["Philadelphia 76ers"]),
        ("Spurs", &["San Antonio Spurs"]),
        ("wolves", &["Minnesota Timberwolves"]),
        ("lakers", &["Los Angeles Lakers"]),
        ("clippers", &["LA Clippers"]),
    ];
    for (typed, expected) in table {
        assert_eq!(matched("nba", "basketball", NBA, typed), *expected, "team={typed:?}");
    }
}

#[test]
fn what_users_type_for_soccer_clubs() {
    let table: &[(&str, &[&str])] = &[
        ("Man Utd", &["Manchester United", "Man United"]),
        ("man united", &["Manchester United", "Man United"]),
        ("MUN", &["Manchester United", "Man United"]),
        ("villa", &[]),
        ("Man", &["Manchester United", "Man United", "Manchester City"]),
        ("Man City", &["Manchester City"]),
        ("Spurs", &["Tottenham Hotspur"]),
        ("tottenham", &["Tottenham Hotspur"]),
        ("Wolves", &["Wolverhampton Wanderers"]),
        ("forest", &["Nottingham Forest"]),
        ("Brighton", &["Brighton & Hove Albion"]),
        ("Bayern", &["Bayern Munich"]),
        ("bay", &["Bayern Munich"]),
        ("Gladbach", &["Borussia Mönchengladbach"]),
        ("monchengladbach", &["Borussia Mönchengladbach"]),
        ("BVB", &["Borussia Dortmund"]),
        ("PSG", &["Paris Saint-Germain"]),
        ("paris", &["Paris Saint-Germain", "Paris FC"]),
        ("OM", &["Olympique de Marseille"]),
        ("atleti", &["Atlético Madrid"]),
        ("atletico", &["Atlético Madrid"]),
        ("madrid", &["Atlético Madrid", "Real Madrid"]),
        ("inter", &["Internazionale"]),
    ];
    for (typed, expected) in table {
        assert_eq!(matched("epl", "soccer", SOCCER, typed), *expected, "team={typed:?}");
    }
}

#[test]
fn words_fold_case_accents_and_punctuation() {
    assert_eq!(words("Borussia Mönchengladbach"), ["borussia", "monchengladbach"]);
    assert_eq!(words("Paris Saint-Germain"), ["paris", "saint", "germain"]);
    assert_eq!(words("Brighton & Hove Albion"), ["brighton", "hove", "albion"]);
    assert_eq!(words("Atlético"), ["atletico"]);
}

#[test]
fn league_tables_add_to_the_sport_table() {
    let aliases = TeamAliases::bundled();
    let mls = aliases.phrases("mls", "soccer", "NY");
    assert!(mls.contains(&words("nycfc")), "{mls:?}");
    assert!(aliases.phrases("epl", "soccer", "NY").is_empty());
}
