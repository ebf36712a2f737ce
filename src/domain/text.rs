//! Short free-text values callers name things with (key names, team filters, favourite teams):
//! one rule, enforced here and stated in the API document by [`LABEL_PATTERN`].

/// Longest label, in characters (Unicode scalar values, as JSON Schema's `maxLength` counts).
pub const LABEL_MAX_CHARS: usize = 64;

/// The same rule as [`label`], as an ECMA-262 regular expression for the API document: no
/// control characters (Unicode `Cc`) and at least one character that is not white space
/// (Unicode `White_Space`, which is what Rust's `trim` removes).
pub const LABEL_PATTERN: &str = concat!(
    r"^[^\u0000-\u001f\u007f-\u009f]*",
    r"[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    r"[^\u0000-\u001f\u007f-\u009f]*$"
);

/// The rule as a JSON Schema for the API document.
pub fn label_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .min_length(Some(1))
        .max_length(Some(LABEL_MAX_CHARS))
        .pattern(Some(LABEL_PATTERN))
        .build()
}

/// Checks a label: 1 to [`LABEL_MAX_CHARS`] characters as sent, no control characters, not
/// blank. Returns it without surrounding white space.
pub fn label(raw: &str) -> Result<&str, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || raw.chars().count() > LABEL_MAX_CHARS || raw.chars().any(char::is_control) {
        Err(format!(
            "must be 1 to {LABEL_MAX_CHARS} printable characters, not blank"
        ))
    } else {
        Ok(trimmed)
    }
}

/// At most `max` characters of `text`, with `…` where it was cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_trimmed_and_bounded_as_sent() {
        assert_eq!(label("  Eagles ").unwrap(), "Eagles");
        assert_eq!(label(&"x".repeat(64)).unwrap().len(), 64);
        assert!(label(&"x".repeat(65)).is_err());
        // Length counts what was sent, as the document's maxLength does.
        assert!(label(&format!(" {}", "x".repeat(64))).is_err());
        for bad in ["", "   ", "\u{3000}", "a\u{0}b", "a\nb", "a\u{85}"] {
            assert!(label(bad).is_err(), "{bad:?}");
        }
        // U+FEFF is not white space to Rust, so it is a label (the pattern agrees).
        assert!(label("\u{feff}").is_ok());
    }
}
