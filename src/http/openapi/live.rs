//! The document as this server serves it: the annotations' document plus the facts only the
//! running configuration knows (the leagues of the catalogue, the plans in force, the years
//! a date may name today) and what the edge layers add to every operation (`edge.rs`).

use std::sync::Mutex;

use bytes::Bytes;
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};
use utoipa::OpenApi;

use super::ApiDoc;
use crate::domain::Catalogue;
use crate::domain::calendar::years_pattern;
use crate::domain::plan::Plans;
use crate::http::routes::games::filter_years;

pub struct LiveDocument {
    leagues: Vec<String>,
    plans: Vec<String>,
    /// The rendered document and the year it was rendered for (the date bounds move with it).
    rendered: Mutex<Option<(i32, Bytes)>>,
}

impl LiveDocument {
    pub fn new(catalogue: &Catalogue, plans: &Plans) -> Self {
        Self {
            leagues: catalogue.ids().into_iter().map(str::to_owned).collect(),
            plans: plans.names().into_iter().map(str::to_owned).collect(),
            rendered: Mutex::new(None),
        }
    }

    /// The JSON document for `today` (rendered once a year).
    pub fn json(&self, today: NaiveDate) -> Bytes {
        let mut rendered = self.rendered.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*rendered {
            Some((year, bytes)) if *year == today.year() => bytes.clone(),
            _ => {
                let bytes = Bytes::from(serde_json::to_vec(&self.document(today)).expect("the document serializes"));
                *rendered = Some((today.year(), bytes.clone()));
                bytes
            }
        }
    }

    pub fn document(&self, today: NaiveDate) -> Value {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serializes");
        let leagues = json!(self.leagues);
        for route in ["games", "standings", "teams"] {
            let path = format!("/v1/leagues/{{league}}/{route}");
            set(param(&mut doc, &path, "get", "league"), "/schema/enum", leagues.clone());
        }
        let years = filter_years(today);
        let date = param(&mut doc, "/v1/leagues/{league}/games", "get", "date");
        set(
            date,
            "/schema/pattern",
            json!(format!(
                r"^(?:{})-\d{{2}}-\d{{2}}$",
                years_pattern(*years.start(), *years.end())
            )),
        );
        // An expiry must lie in the future: the pattern admits the years from next year on
        // (JSON Schema cannot compare with the clock; a time later this year is accepted too).
        let future = json!(format!("^(?:{})-", years_pattern(today.year() + 1, 9999)));
        for body in ["CreateKeyRequest", "PatchKeyRequest"] {
            let schema = at(&mut doc, &format!("/components/schemas/{body}/properties"));
            set(schema, "/expires_at/pattern", future.clone());
            set(schema, "/plan/enum", nullable_enum(schema, "plan", &self.plans));
        }
        set(
            at(
                &mut doc,
                "/components/schemas/Preferences/properties/favourite_leagues/items",
            ),
            "/enum",
            leagues.clone(),
        );
        set(
            at(&mut doc, "/components/schemas/FavouriteTeam/properties/league"),
            "/enum",
            leagues,
        );
        super::edge::add_edge_responses(&mut doc);
        doc
    }
}

/// The values of an enum property, with `null` if the property may be null.
fn nullable_enum(properties: &Value, name: &str, values: &[String]) -> Value {
    let nullable = properties[name]["type"]
        .as_array()
        .is_some_and(|types| types.iter().any(|t| t == "null"));
    let mut values: Vec<Value> = values.iter().map(|v| json!(v)).collect();
    if nullable {
        values.push(Value::Null);
    }
    Value::Array(values)
}

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the OpenAPI document has no {pointer}"))
}

fn set(node: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let parent = if parent.is_empty() { node } else { at(node, parent) };
    parent
        .as_object_mut()
        .unwrap_or_else(|| panic!("{pointer}: not an object"))
        .insert(key.to_owned(), value);
}

fn param<'a>(doc: &'a mut Value, path: &str, method: &str, name: &str) -> &'a mut Value {
    let pointer = format!(
        "/paths/{}/{method}/parameters",
        path.replace('~', "~0").replace('/', "~1")
    );
    at(doc, &pointer)
        .as_array_mut()
        .and_then(|params| params.iter_mut().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn the_live_document_names_the_leagues_plans_and_years_in_force() {
        let plans = Plans::load(&BTreeMap::new()).unwrap();
        let catalogue = Catalogue::load(&BTreeMap::new()).unwrap();
        let doc = LiveDocument::new(&catalogue, &plans).document(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
        let games = &doc["paths"]["/v1/leagues/{league}/games"]["get"]["parameters"];
        let date = games.as_array().unwrap().iter().find(|p| p["name"] == "date").unwrap();
        assert_eq!(
            date["schema"]["pattern"],
            r"^(?:19\d\d|20[0-1]\d|202[0-8])-\d{2}-\d{2}$"
        );
        assert_eq!(date["schema"]["format"], "date");
        let create = &doc["components"]["schemas"]["CreateKeyRequest"]["properties"];
        assert!(create["plan"]["enum"].as_array().unwrap().contains(&json!("pro")));
        assert_eq!(
            create["expires_at"]["pattern"],
            r"^(?:202[7-9]|20[3-9]\d|2[1-9]\d\d|[3-9]\d\d\d)-"
        );
        let ok = &doc["paths"]["/v1/leagues/{league}/games"]["get"]["responses"]["200"]["headers"];
        assert!(ok["X-Request-Id"].is_object() && ok["RateLimit"].is_object());
        let account = &doc["paths"]["/v1/me/history"]["get"]["responses"];
        assert!(
            account["200"]["headers"].get("RateLimit").is_none(),
            "account routes are not counted"
        );
        assert!(account["504"].is_object() && account["431"].is_object());
        let admin = &doc["paths"]["/admin/v1/keys"]["get"]["responses"]["200"]["headers"];
        assert!(admin["X-Request-Id"].is_object() && admin.get("RateLimit").is_none());
    }
}
