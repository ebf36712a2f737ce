//! Redis, shared by the replicas for what must be exact at request speed (limits, quotas).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{ConfigError, Layers, parse_duration, settings as s};

/// What a replica does with its limits while Redis does not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisFailureMode {
    /// Keep serving, limited by this replica's own GCRA and quota counters.
    Local,
    /// Refuse limited requests with a 503 until Redis answers again.
    Closed,
}

#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// `redis://…` or `rediss://…` (TLS); a secret, as it may carry a password.
    pub url: SecretString,
    /// Prepended to every key, so several deployments (or tests) can share one server.
    pub prefix: String,
    /// Longest one Redis call may take (connects included); past it the call counts as failed.
    pub timeout: Duration,
    pub on_failure: RedisFailureMode,
}

impl RedisSettings {
    /// `host:port` of the server, for messages (never the password).
    pub fn endpoint(&self) -> String {
        match url::Url::parse(self.url.expose_secret()) {
            Ok(u) => format!("{}:{}", u.host_str().unwrap_or("localhost"), u.port().unwrap_or(6379)),
            Err(_) => "?".into(),
        }
    }

    /// A client for the URL (parsing only; no connection is made).
    pub fn client(&self) -> redis::RedisResult<redis::Client> {
        redis::Client::open(self.url.expose_secret())
    }
}

pub(super) fn load_redis(l: &Layers) -> Result<Option<RedisSettings>, ConfigError> {
    let Some(url) = l.get_opt(s::REDIS_URL, |v| {
        // The value may hold a password: messages name the schemes, never the value.
        if !(v.starts_with("redis://") || v.starts_with("rediss://")) {
            return Err("must start with redis:// or rediss:// (TLS)".into());
        }
        redis::Client::open(v)
            .map(|_| SecretString::from(v.to_owned()))
            .map_err(|_| "is not a valid Redis URL (redis://[user:password@]host[:port][/db])".into())
    })?
    else {
        return Ok(None);
    };
    let prefix = l.get(s::REDIS_PREFIX, "sportsgate:".to_owned(), |v| {
        if v.len() <= 64 && v.chars().all(|c| c.is_ascii_graphic() && c != '{' && c != '}') {
            Ok(v.to_owned())
        } else {
            Err("at most 64 printable characters, without { or }".into())
        }
    })?;
    let timeout = l.get(s::REDIS_TIMEOUT, Duration::from_millis(250), |v| {
        parse_duration(v).and_then(|d| {
            if (Duration::from_millis(10)..=Duration::from_secs(10)).contains(&d) {
                Ok(d)
            } else {
                Err(format!("{v:?} is out of range (10ms to 10s)"))
            }
        })
    })?;
    let on_failure = l.get(s::REDIS_ON_FAILURE, RedisFailureMode::Local, |v| match v {
        "local" => Ok(RedisFailureMode::Local),
        "closed" => Ok(RedisFailureMode::Closed),
        other => Err(format!("unknown mode {other:?} (use local or closed)")),
    })?;
    Ok(Some(RedisSettings {
        url,
        prefix,
        timeout,
        on_failure,
    }))
}

#[cfg(test)]
mod tests {
    use crate::config::RedisFailureMode;
    use crate::config::tests::load;

    #[test]
    fn without_a_url_there_is_no_redis() {
        assert!(load(&[]).unwrap().management.redis.is_none());
    }

    #[test]
    fn a_url_gives_defaults_for_prefix_budget_and_failure_mode() {
        let c = load(&[("SPORTSGATE_REDIS_URL", "rediss://:s3cret@cache.example:6380/0")]).unwrap();
        let redis = c.management.redis.unwrap();
        assert_eq!(redis.prefix, "sportsgate:");
        assert_eq!(redis.timeout, std::time::Duration::from_millis(250));
        assert_eq!(redis.on_failure, RedisFailureMode::Local);
        assert_eq!(redis.endpoint(), "cache.example:6380");
        assert!(
            !format!("{redis:?}").contains("s3cret"),
            "Debug never prints the password"
        );
    }

    #[test]
    fn malformed_values_are_errors_naming_the_setting_never_echoing_the_url() {
        for (name, value) in [
            ("SPORTSGATE_REDIS_URL", "not-a-url"),
            ("SPORTSGATE_REDIS_URL", "http://s3cret@cache:6379"),
            ("SPORTSGATE_REDIS_URL", "redis://:s3cret@cache:99999"),
        ] {
            let err = load(&[(name, value)]).unwrap_err();
            assert_eq!(err.setting, name, "{err}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
        }
        let with_url = |k, v| {
            load(&[("SPORTSGATE_REDIS_URL", "redis://127.0.0.1"), (k, v)])
                .unwrap_err()
                .setting
        };
        assert_eq!(with_url("SPORTSGATE_REDIS_TIMEOUT", "0s"), "SPORTSGATE_REDIS_TIMEOUT");
        assert_eq!(
            with_url("SPORTSGATE_REDIS_ON_FAILURE", "open"),
            "SPORTSGATE_REDIS_ON_FAILURE"
        );
        assert_eq!(with_url("SPORTSGATE_REDIS_PREFIX", "a{b}"), "SPORTSGATE_REDIS_PREFIX");
    }
}
