//! Rebuild when an embedded file changes: `sqlx::migrate!` (migrations) and `include_dir!`
//! (the web pages, the bundled replay data) embed files at compile time but do not tell
//! cargo about them. A directory here is watched with everything under it.
fn main() {
    for dir in ["migrations", "assets/web", "data"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
