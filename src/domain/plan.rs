//! Usage plans: a sustained rate with a burst (GCRA), and an optional hard quota per UTC
//! calendar day or month. Built-ins plus `[plans.NAME]` tables of the config file.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `N/second`, `N/minute` or `N/hour`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

impl Rate {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (n, unit) = text
            .split_once('/')
            .ok_or_else(|| format!("invalid rate {text:?} (use N/second, N/minute or N/hour)"))?;
        let count: u32 = n
            .trim()
            .parse()
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| format!("invalid rate count in {text:?}"))?;
        // Units are enumerated values: any case, like every id.
        let per = match unit.trim().to_ascii_lowercase().as_str() {
            "second" | "s" => Duration::from_secs(1),
            "minute" | "m" => Duration::from_secs(60),
            "hour" | "h" => Duration::from_secs(3600),
            _ => return Err(format!("invalid rate unit in {text:?} (use second, minute or hour)")),
        };
        Ok(Self { count, per })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.per.as_secs() {
            1 => "second",
            60 => "minute",
            _ => "hour",
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// The calendar window of a quota (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QuotaWindow {
    Day,
    Month,
}

impl QuotaWindow {
    /// `day` or `month`, as plans and messages say it.
    pub fn unit(self) -> &'static str {
        match self {
            QuotaWindow::Day => "day",
            QuotaWindow::Month => "month",
        }
    }
}

/// `N/day` or `N/month`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u64,
    pub window: QuotaWindow,
}

impl Quota {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (n, unit) = text
            .split_once('/')
            .ok_or_else(|| format!("invalid quota {text:?} (use N/day or N/month)"))?;
        let limit: u64 = n
            .trim()
            .parse()
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| format!("invalid quota count in {text:?}"))?;
        let window = match unit.trim().to_ascii_lowercase().as_str() {
            "day" => QuotaWindow::Day,
            "month" => QuotaWindow::Month,
            _ => return Err(format!("invalid quota window in {text:?} (use day or month)")),
        };
        Ok(Self { limit, window })
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.limit, self.window.unit())
    }
}

/// A usage plan. `rate: None` means no throttle (the `unlimited` plan).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub name: String,
    pub rate: Option<Rate>,
    pub burst: u32,
    pub quota: Option<Quota>,
}

/// A plan as written in TOML (`[plans.NAME]`); fields left out keep the built-in's values.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanEntry {
    pub rate: Option<String>,
    pub burst: Option<u32>,
    /// `"none"` removes a built-in quota.
    pub quota: Option<String>,
}

/// The plans in force, by name.
#[derive(Debug, Clone)]
pub struct Plans {
    plans: BTreeMap<String, Arc<Plan>>,
}

impl Plans {
    /// The built-in plans, with the config file's entries laid over them.
    pub fn load(overrides: &BTreeMap<String, PlanEntry>) -> Result<Self, String> {
        let builtin = |name: &str, rate: Option<Rate>, burst: u32, quota: Option<Quota>| {
            (
                name.to_owned(),
                Plan {
                    name: name.to_owned(),
                    rate,
                    burst,
                    quota,
                },
            )
        };
        let per_min = |count| {
            Some(Rate {
                count,
                per: Duration::from_secs(60),
            })
        };
        let mut plans: BTreeMap<String, Plan> = [
            builtin(
                "anonymous",
                per_min(30),
                10,
                Some(Quota {
                    limit: 1_000,
                    window: QuotaWindow::Day,
                }),
            ),
            builtin(
                "free",
                per_min(60),
                20,
                Some(Quota {
                    limit: 5_000,
                    window: QuotaWindow::Day,
                }),
            ),
            builtin(
                "pro",
                per_min(600),
                100,
                Some(Quota {
                    limit: 1_000_000,
                    window: QuotaWindow::Month,
                }),
            ),
            builtin("unlimited", None, 0, None),
        ]
        .into_iter()
        .collect();
        for (name, entry) in overrides {
            let valid_name = (1..=32).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
            if !valid_name {
                return Err(format!(
                    "plan name {name:?}: use lower-case letters, digits, '-' or '_'"
                ));
            }
            let plan = plans.entry(name.clone()).or_insert_with(|| Plan {
                name: name.clone(),
                rate: None,
                burst: 0,
                quota: None,
            });
            if let Some(rate) = &entry.rate {
                plan.rate = Some(Rate::parse(rate).map_err(|e| format!("plan {name}: {e}"))?);
            }
            if let Some(burst) = entry.burst {
                plan.burst = burst;
            }
            if let Some(quota) = &entry.quota {
                plan.quota = if quota.trim().eq_ignore_ascii_case("none") {
                    None
                } else {
                    Some(Quota::parse(quota).map_err(|e| format!("plan {name}: {e}"))?)
                };
            }
            if plan.rate.is_none() && entry.rate.is_none() && plan.name != "unlimited" && entry.burst.is_some() {
                return Err(format!("plan {name}: a burst needs a rate"));
            }
        }
        for plan in plans.values_mut() {
            // A burst below 1 would refuse every request; the rate alone then sets the pace.
            if plan.rate.is_some() && plan.burst == 0 {
                plan.burst = 1;
            }
        }
        Ok(Self {
            plans: plans.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
        })
    }

    /// The plan of that name; names, like every id, are matched without regard to case.
    pub fn get(&self, name: &str) -> Option<&Arc<Plan>> {
        self.plans
            .get(name)
            .or_else(|| self.plans.get(&name.trim().to_ascii_lowercase()))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Plan>> {
        self.plans.values()
    }

    pub fn names(&self) -> Vec<&str> {
        self.plans.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_quotas_parse_their_documented_forms() {
        assert_eq!(
            Rate::parse("60/minute").unwrap(),
            Rate {
                count: 60,
                per: Duration::from_secs(60)
            }
        );
        assert_eq!(Rate::parse("5/second").unwrap().per, Duration::from_secs(1));
        // Units in any case, like every enumerated value.
        assert_eq!(Rate::parse("5/Second").unwrap(), Rate::parse("5/second").unwrap());
        assert_eq!(Quota::parse("10/DAY").unwrap(), Quota::parse("10/day").unwrap());
        assert!(Rate::parse("0/minute").is_err());
        assert!(Rate::parse("60/fortnight").is_err());
        assert_eq!(
            Quota::parse("5000/day").unwrap(),
            Quota {
                limit: 5000,
                window: QuotaWindow::Day
            }
        );
        assert_eq!(Quota::parse("9/month").unwrap().window, QuotaWindow::Month);
        assert!(Quota::parse("9/week").is_err());
    }

    #[test]
    fn the_builtin_plans_exist_and_config_entries_override_or_add() {
        let overrides: BTreeMap<String, PlanEntry> =
            toml::from_str("[free]\nburst = 5\n[team]\nrate = \"10/second\"\nburst = 50\nquota = \"100000/month\"\n")
                .unwrap();
        let plans = Plans::load(&overrides).unwrap();
        assert_eq!(plans.names(), vec!["anonymous", "free", "pro", "team", "unlimited"]);
        let free = plans.get("free").unwrap();
        assert_eq!((free.rate.unwrap().count, free.burst), (60, 5));
        assert_eq!(
            plans.get("team").unwrap().quota,
            Some(Quota {
                limit: 100_000,
                window: QuotaWindow::Month
            })
        );
        assert_eq!(plans.get("unlimited").unwrap().rate, None);
    }

    #[test]
    fn a_bad_plan_is_refused_with_its_name() {
        let overrides: BTreeMap<String, PlanEntry> = toml::from_str("[free]\nrate = \"lots\"\n").unwrap();
        assert!(Plans::load(&overrides).unwrap_err().contains("free"));
    }
}
