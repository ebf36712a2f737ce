//! What a history entry keeps of a request line: the path and query, with the values of
//! parameters that look like credentials replaced, and bounded in length. Keys belong in
//! headers, but a client that puts one in `?api_key=` must not have it stored.

/// Longest request line kept, in characters.
const MAX_CHARS: usize = 512;

/// Parameter names (compared without case, `-` and `_`) whose values are never kept.
const SECRET_NAMES: &[&str] = &[
    "apikey",
    "key",
    "xapikey",
    "token",
    "accesstoken",
    "auth",
    "authorization",
    "secret",
    "password",
    "passwd",
    "sig",
    "signature",
];

/// The name as a server would read it (percent-decoded, brackets dropped), folded.
fn secret_name(raw: &str) -> bool {
    let decoded: String = url::form_urlencoded::parse(raw.as_bytes())
        .next()
        .map(|(name, _)| name.into_owned())
        .unwrap_or_default();
    let folded: String = decoded
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_NAMES.contains(&folded.as_str())
}

/// A value shaped like one of our API keys (`sg_…`), wherever it was put.
fn looks_like_a_key(raw: &str) -> bool {
    url::form_urlencoded::parse(format!("v={raw}").as_bytes())
        .next()
        .is_some_and(|(_, value)| value.trim_start().to_ascii_lowercase().starts_with("sg_"))
}

pub fn request_line(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    let mut line = String::with_capacity(path_and_query.len() + 8);
    line.push_str(path);
    if let Some(query) = query {
        line.push('?');
        for (n, pair) in query.split('&').enumerate() {
            if n > 0 {
                line.push('&');
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if pair.contains('=') && (secret_name(name) || looks_like_a_key(value)) {
                line.push_str(name);
                line.push_str("=REDACTED");
            } else {
                line.push_str(pair);
            }
        }
    }
    crate::domain::text::shorten(&line, MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::request_line;

    #[test]
    fn credential_values_are_replaced_and_the_rest_kept() {
        assert_eq!(
            request_line("/v1/leagues/nfl/games?team=KC&api_key=sg_abc_def&Access-Token=x&date=2022-11-20"),
            "/v1/leagues/nfl/games?team=KC&api_key=REDACTED&Access-Token=REDACTED&date=2022-11-20"
        );
        assert_eq!(request_line("/sports"), "/sports");
        assert_eq!(
            request_line("/v1/me?api%5Fkey=x&apiKey[]=y&q=sg_abc_def&team=sg"),
            "/v1/me?api%5Fkey=REDACTED&apiKey[]=REDACTED&q=REDACTED&team=sg"
        );
        assert_eq!(request_line("/sports?key"), "/sports?key");
    }

    #[test]
    fn long_lines_are_cut() {
        let line = request_line(&format!("/sports?team={}", "x".repeat(5000)));
        assert_eq!(line.chars().count(), 512);
        assert!(line.ends_with('…'));
    }
}
