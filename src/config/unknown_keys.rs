//! A config file's keys are checked against the settings registry, inside sections too, so
//! a typo (`[cache] ttl_lve = "5s"`) is an error naming it instead of a silent default.

use super::{ConfigError, FILE_KEYS, settings};

/// Sections whose entries are free-form names checked by their own parsers (plans and
/// leagues are deserialized with `deny_unknown_fields`).
const NAMED_SECTIONS: &[&str] = &["plans", "leagues"];

pub(super) fn check(table: &toml::Table, file_name: &str) -> Result<(), ConfigError> {
    let unknown = |key: String, known: Vec<&str>| {
        ConfigError::new(
            "SPORTSGATE_CONFIG",
            format!("unknown key `{key}` in {file_name} (known: {})", known.join(", ")),
        )
    };
    for (key, value) in table {
        if !FILE_KEYS.contains(&key.as_str()) {
            return Err(unknown(key.clone(), FILE_KEYS.to_vec()));
        }
        let (toml::Value::Table(section), false) = (value, NAMED_SECTIONS.contains(&key.as_str())) else {
            continue;
        };
        let prefix = format!("{key}.");
        let known: Vec<&str> = settings::ALL
            .iter()
            .filter_map(|s| s.file.strip_prefix(prefix.as_str()))
            .collect();
        if let Some(inner) = section.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(unknown(format!("{key}.{inner}"), known));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_text(text: &str) -> Result<(), ConfigError> {
        check(&text.parse().unwrap(), "test.toml")
    }

    #[test]
    fn known_keys_pass_at_every_level() {
        check_text("listen = \"127.0.0.1:1\"\n[cache]\nttl_live = \"5s\"\n[server]\nrequest_timeout = \"10s\"\n[plans.x]\nrate = \"1/second\"")
            .unwrap();
    }

    #[test]
    fn a_typo_inside_a_section_names_the_key_and_the_known_ones() {
        let err = check_text("[cache]\nttl_lve = \"5s\"").unwrap_err();
        assert_eq!(err.setting, "SPORTSGATE_CONFIG");
        assert!(err.message.contains("`cache.ttl_lve`"), "{}", err.message);
        assert!(err.message.contains("ttl_live"), "{}", err.message);
        let err = check_text("[upstream]\ntimeout = \"1s\"\nretrys = 1").unwrap_err();
        assert!(err.message.contains("`upstream.retrys`"), "{}", err.message);
    }

    #[test]
    fn an_unknown_top_level_key_is_refused() {
        let err = check_text("listne = \"x\"").unwrap_err();
        assert!(err.message.contains("`listne`"), "{}", err.message);
    }
}
