//! A caller's saved preferences: favourite leagues and teams, validated against the catalogue.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Catalogue;

const MAX_ITEMS: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// League ids from `/v1/leagues`.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub favourite_leagues: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub favourite_teams: Vec<FavouriteTeam>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FavouriteTeam {
    pub league: String,
    /// Team as the `team=` filter takes it (`KC`, `chiefs`); saved as the team's full name.
    #[schema(schema_with = super::text::label_schema)]
    pub team: String,
}

impl Preferences {
    /// The preferences checked (see [`Self::validate`]) with league ids in their canonical
    /// lower case (`NFL` → `nfl`) and repeats dropped.
    pub fn canonical(mut self, catalogue: &Catalogue) -> Result<Self, (String, String)> {
        self.validate(catalogue)?;
        let id = |raw: &str| catalogue.get(raw).map_or_else(|| raw.to_owned(), |l| l.id.to_string());
        let mut leagues = Vec::new();
        for league in &self.favourite_leagues {
            let league = id(league);
            if !leagues.contains(&league) {
                leagues.push(league);
            }
        }
        self.favourite_leagues = leagues;
        for team in &mut self.favourite_teams {
            team.league = id(&team.league);
            team.team = team.team.trim().to_owned();
        }
        Ok(self)
    }

    /// Checks every league against the catalogue and bounds the sizes; the error names the field.
    pub fn validate(&self, catalogue: &Catalogue) -> Result<(), (String, String)> {
        if self.favourite_leagues.len() > MAX_ITEMS || self.favourite_teams.len() > MAX_ITEMS {
            return Err((
                "favourite_leagues".into(),
                format!("at most {MAX_ITEMS} favourites of each kind"),
            ));
        }
        let known = |id: &str| catalogue.get(id).is_some();
        if let Some(bad) = self.favourite_leagues.iter().find(|l| !known(l)) {
            return Err((
                "favourite_leagues".into(),
                format!(
                    "unknown league {:?}; valid: {}",
                    truncate(bad),
                    catalogue.ids().join(", ")
                ),
            ));
        }
        for team in &self.favourite_teams {
            if !known(&team.league) {
                return Err((
                    "favourite_teams".into(),
                    format!(
                        "unknown league {:?}; valid: {}",
                        truncate(&team.league),
                        catalogue.ids().join(", ")
                    ),
                ));
            }
            if let Err(rule) = super::text::label(&team.team) {
                return Err(("favourite_teams".into(), format!("team {rule}")));
            }
        }
        Ok(())
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}
