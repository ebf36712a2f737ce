//! Schemas the derives cannot state by themselves, for `schema_with`: each says in the
//! document exactly what the code accepts, from the same constants.

use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, Type};

use crate::domain::GameStatus;

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

pub use crate::domain::text::label_schema as label;

/// The `status=` filter's values.
pub fn status_filter() -> Object {
    string()
        .enum_values(Some(GameStatus::FILTERABLE.map(GameStatus::as_str)))
        .build()
}

/// An RFC 3339 `full-date`; the live document adds the years in force where they are bounded.
pub fn date() -> Object {
    string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some(r"^\d{4}-\d{2}-\d{2}$"))
        .build()
}
