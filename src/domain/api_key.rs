//! API keys: `sg_<id>_<secret>`. The id is public (it names the key in lists, logs and
//! usage); the secret has 143 random bits and only its SHA-256 is ever stored.
//!
//! SHA-256 rather than a password hash (argon2, bcrypt): the secret is random and long, so
//! brute force is hopeless either way, and a slow hash would sit on every request's path.

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use secrecy::SecretString;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

const PREFIX: &str = "sg_";
const ID_LEN: usize = 12;
const SECRET_LEN: usize = 24;

/// A key's public id: 12 lower-case letters or digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct KeyId(String);

impl KeyId {
    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == ID_LEN && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
            .then(|| Self(raw.to_owned()))
    }

    fn random() -> Self {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut rng = rand::rng();
        Self(
            (0..ID_LEN)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 of a secret, hex-encoded: what the store keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHash(pub String);

impl SecretHash {
    pub fn of(secret: &str) -> Self {
        let hex = hex_digest(secret);
        Self(String::from_utf8(hex.to_vec()).expect("hex is ASCII"))
    }

    /// Constant-time comparison with the hash of `secret` (no allocation: this runs on
    /// every keyed request).
    pub fn matches(&self, secret: &str) -> bool {
        self.0.as_bytes().ct_eq(&hex_digest(secret)).into()
    }
}

fn hex_digest(secret: &str) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(secret.as_bytes());
    let mut out = [0u8; 64];
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 0x0f)];
    }
    out
}

/// A key as stored (never holding the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: KeyId,
    pub name: String,
    pub plan: String,
    pub secret_hash: SecretHash,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKeyRecord {
    /// Usable now: not revoked and not expired.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// What callers and admins see of a key.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub plan: String,
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&ApiKeyRecord> for KeyView {
    fn from(k: &ApiKeyRecord) -> Self {
        Self {
            id: k.id.to_string(),
            name: k.name.clone(),
            plan: k.plan.clone(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A freshly issued key: the record to store and the token to show once.
pub struct IssuedKey {
    pub record: ApiKeyRecord,
    pub token: SecretString,
}

impl IssuedKey {
    pub fn generate(name: &str, plan: &str, expires_at: Option<DateTime<Utc>>) -> Self {
        let id = KeyId::random();
        let secret: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(SECRET_LEN)
            .map(char::from)
            .collect();
        let record = ApiKeyRecord {
            secret_hash: SecretHash::of(&secret),
            id: id.clone(),
            name: name.to_owned(),
            plan: plan.to_owned(),
            created_at: Utc::now(),
            last_used_at: None,
            expires_at,
            revoked_at: None,
        };
        Self {
            record,
            token: SecretString::from(format!("{PREFIX}{id}_{secret}")),
        }
    }
}

/// Splits a presented token into its id and secret; `None` if it is not shaped like a key.
pub fn parse_token(token: &str) -> Option<(KeyId, &str)> {
    let rest = token.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let id = KeyId::parse(id)?;
    (secret.len() == SECRET_LEN && secret.bytes().all(|b| b.is_ascii_alphanumeric())).then_some((id, secret))
}

/// Name rules for keys: 1 to 64 printable characters.
pub fn validate_name(name: &str) -> Result<String, String> {
    super::text::label(name)
        .map(str::to_owned)
        .map_err(|rule| format!("name {rule}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn an_issued_token_parses_back_to_its_id_and_matches_its_hash() {
        let issued = IssuedKey::generate("ci", "free", None);
        let token = issued.token.expose_secret();
        assert!(token.starts_with("sg_"));
        let (id, secret) = parse_token(token).unwrap();
        assert_eq!(id, issued.record.id);
        assert!(issued.record.secret_hash.matches(secret));
        assert!(!issued.record.secret_hash.matches("x".repeat(24).as_str()));
        assert!(!issued.record.secret_hash.0.contains(secret));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for t in [
            "",
            "sg_",
            "sg_short_abc",
            "xx_abcdefghijkl_abcdefghijklmnopqrstuvwx",
            "sg_ABCDEFGHIJKL_abcdefghijklmnopqrstuvwx",
        ] {
            assert!(parse_token(t).is_none(), "{t}");
        }
    }

    #[test]
    fn two_keys_never_share_an_id_or_secret() {
        let a = IssuedKey::generate("a", "free", None);
        let b = IssuedKey::generate("b", "free", None);
        assert_ne!(a.record.id, b.record.id);
        assert_ne!(a.token.expose_secret(), b.token.expose_secret());
    }
}
