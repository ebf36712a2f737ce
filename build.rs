//! Rebuild when a migration changes: `sqlx::migrate!` embeds the files at compile time but
//! does not tell cargo about them.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
