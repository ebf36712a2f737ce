//! A team of a league's catalogue (the `/teams` route).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub short_name: Option<String>,
    pub abbreviation: Option<String>,
    pub location: Option<String>,
    pub logo: Option<String>,
    /// Primary colour as six hex digits, when the upstream gives one.
    pub color: Option<String>,
}
