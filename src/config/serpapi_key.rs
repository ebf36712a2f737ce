//! When a SerpApi key counts as set. Deployments must create their secret before anyone
//! knows the key (an SSM parameter cannot be empty), so they store a placeholder such as
//! `unset-set-me-with-aws-ssm-put-parameter`. Treating that as a key sends every cache miss
//! to SerpApi for a 401, trips the breaker and marks the service degraded; it must mean
//! "no SerpApi" exactly like an unset variable.

use secrecy::SecretString;

/// The key, or `None` when the value is empty or a placeholder: `unset`, anything starting
/// with `unset-`/`unset_`, `changeme`/`change-me`, or a `<...>` template.
pub fn real_key(raw: &str) -> Option<SecretString> {
    let v = raw.trim();
    let lower = v.to_ascii_lowercase();
    let placeholder = v.is_empty()
        || lower == "unset"
        || lower.starts_with("unset-")
        || lower.starts_with("unset_")
        || lower == "changeme"
        || lower == "change-me"
        || (v.starts_with('<') && v.ends_with('>'));
    (!placeholder).then(|| SecretString::from(v.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn placeholders_and_blanks_are_no_key() {
        for raw in [
            "",
            "   ",
            "unset",
            "UNSET",
            "unset-set-me-with-aws-ssm-put-parameter",
            "unset_key",
            "changeme",
            "<your serpapi key>",
        ] {
            assert!(real_key(raw).is_none(), "{raw:?} must not count as a key");
        }
    }

    #[test]
    fn real_looking_keys_are_kept_trimmed() {
        let hex = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
        assert_eq!(real_key(hex).unwrap().expose_secret(), hex);
        assert_eq!(real_key(" k3y\n").unwrap().expose_secret(), "k3y");
        // Only the placeholder prefix counts, not a key that happens to contain the word.
        assert!(real_key("sk-unset-but-real").is_some());
        assert!(real_key("unsettled").is_some());
    }
}
