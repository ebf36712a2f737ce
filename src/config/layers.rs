//! Where a setting's raw text comes from: flags > env > TOML file > built-in default.
//!
//! Every setting is named by its environment variable; the TOML file uses the dotted path
//! listed beside it. Reading from a passed-in map keeps tests away from the process env.

use std::collections::HashMap;

use super::ConfigError;

/// One setting: its env name (also the name used in error messages) and its TOML path.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub env: &'static str,
    pub file: &'static str,
}

/// The raw sources, in order of precedence (highest first).
#[derive(Debug, Default, Clone)]
pub struct Layers {
    pub flags: HashMap<&'static str, String>,
    pub env: HashMap<String, String>,
    pub file: Option<toml::Table>,
    pub file_name: String,
}

impl Layers {
    /// The winning raw value of a setting, if any layer sets it. Empty env values count as unset,
    /// as shells and compose files often export `VAR=`.
    pub fn raw(&self, setting: Setting) -> Result<Option<String>, ConfigError> {
        if let Some(v) = self.flags.get(setting.env) {
            return Ok(Some(v.clone()));
        }
        if let Some(v) = self.env.get(setting.env).filter(|v| !v.trim().is_empty()) {
            return Ok(Some(v.clone()));
        }
        let Some(table) = &self.file else { return Ok(None) };
        let mut node: Option<&toml::Value> = None;
        let mut current = table;
        for (i, part) in setting.file.split('.').enumerate() {
            let last = i == setting.file.split('.').count() - 1;
            match current.get(part) {
                Some(toml::Value::Table(t)) if !last => current = t,
                Some(v) if last => node = Some(v),
                _ => return Ok(None),
            }
        }
        match node {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(toml::Value::Integer(i)) => Ok(Some(i.to_string())),
            Some(toml::Value::Float(f)) => Ok(Some(f.to_string())),
            Some(toml::Value::Boolean(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(ConfigError::new(
                setting.env,
                format!("`{}` in {} must be a string or number", setting.file, self.file_name),
            )),
        }
    }

    /// Parses the winning value with `parse`, or returns `default` when nothing sets it.
    pub fn get<T>(
        &self,
        setting: Setting,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        match self.raw(setting)? {
            None => Ok(default),
            Some(raw) => parse(raw.trim()).map_err(|msg| ConfigError::new(setting.env, msg)),
        }
    }

    /// Like [`Layers::get`] for settings that have no default.
    pub fn get_opt<T>(
        &self,
        setting: Setting,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        match self.raw(setting)? {
            None => Ok(None),
            Some(raw) => parse(raw.trim())
                .map(Some)
                .map_err(|msg| ConfigError::new(setting.env, msg)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Setting = Setting {
        env: "SPORTSGATE_TTL_LIVE",
        file: "cache.ttl_live",
    };

    fn layers(file: &str, env: &[(&str, &str)], flag: Option<&str>) -> Layers {
        let mut l = Layers {
            file: Some(file.parse().unwrap()),
            file_name: "test.toml".into(),
            ..Layers::default()
        };
        l.env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if let Some(f) = flag {
            l.flags.insert(S.env, f.into());
        }
        l
    }

    #[test]
    fn flags_beat_env_beat_file() {
        let file = "[cache]\nttl_live = \"1s\"";
        assert_eq!(layers(file, &[], None).raw(S).unwrap().as_deref(), Some("1s"));
        assert_eq!(
            layers(file, &[(S.env, "2s")], None).raw(S).unwrap().as_deref(),
            Some("2s")
        );
        assert_eq!(
            layers(file, &[(S.env, "2s")], Some("3s")).raw(S).unwrap().as_deref(),
            Some("3s")
        );
    }

    #[test]
    fn an_empty_env_value_counts_as_unset() {
        assert_eq!(layers("", &[(S.env, " ")], None).raw(S).unwrap(), None);
    }

    #[test]
    fn a_table_where_a_value_belongs_is_an_error_naming_the_setting() {
        let err = layers("[cache.ttl_live]\nx = 1", &[], None).raw(S).unwrap_err();
        assert!(err.to_string().starts_with("SPORTSGATE_TTL_LIVE"), "{err}");
    }
}
