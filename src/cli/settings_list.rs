//! `sportsgate config`: the settings the binary reads, straight from the registry in
//! `config::settings`, so deployment files can be checked against it and it cannot drift.

use std::process::ExitCode;

use crate::config::settings;

/// `--env-names`: one environment variable name a line (for scripts); otherwise a table of
/// env name and TOML key.
pub fn print(env_names_only: bool) -> ExitCode {
    if env_names_only {
        for name in settings::env_names() {
            println!("{name}");
        }
    } else {
        println!("{:<38}  toml key", "env");
        for s in settings::ALL {
            println!("{:<38}  {}", s.env, s.file);
        }
        println!("{:<38}  (--config)", settings::CONFIG_FILE_ENV);
    }
    ExitCode::SUCCESS
}
