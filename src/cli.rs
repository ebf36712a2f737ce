//! The command line: `serve`, `keys`, `plans`, `migrate`, `check`, `healthcheck`, `config`.
//! Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.

mod settings_list;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use crate::app::App;
use crate::config::{Config, ConfigError, Flags, LogFormat};
use crate::management::Management;
use crate::management::keys::{KeyError, NewKey};
use crate::providers::chain::ProviderChain;
use crate::shared::SharedRedis;
use crate::telemetry::access;
use crate::telemetry::log_sink::LogSink;
use crate::telemetry::logging;

#[derive(Debug, Parser)]
#[command(
    name = "sportsgate",
    version,
    about = "Self-hosted sports-data API with the API-management layer built in"
)]
pub struct Cli {
    /// TOML config file (also SPORTSGATE_CONFIG).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Listen address, e.g. 0.0.0.0:8080 (overrides SPORTSGATE_LISTEN).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// auto, serpapi, espn or replay (overrides SPORTSGATE_PROVIDER).
        #[arg(long, value_name = "NAME")]
        provider: Option<String>,
    },
    /// Manage API keys (in the database of SPORTSGATE_DATABASE_URL).
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// List the usage plans in force.
    Plans,
    /// Apply database migrations (serve also does it at start).
    Migrate,
    /// Validate the configuration and reach the database and upstreams; non-zero exit on any problem.
    Check,
    /// List the settings the binary reads (env name and TOML key); needs no valid config.
    Config {
        /// Print only the environment variable names, one a line.
        #[arg(long)]
        env_names: bool,
    },
    /// Ask a local server's /healthz (for container health checks: no shell or curl needed).
    Healthcheck {
        /// URL to ask; default http://127.0.0.1:<listen port>/healthz.
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysAction {
    /// Create a key and print its secret token once.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "free")]
        plan: String,
        /// Lifetime, e.g. 30d or 12h; default: no expiry.
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<String>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by id.
    Revoke { id: String },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Config { env_names } = cli.command {
        return settings_list::print(env_names);
    }
    let env: HashMap<String, String> = std::env::vars().collect();
    let (listen, provider) = match &cli.command {
        Command::Serve { listen, provider } => (listen.clone(), provider.clone()),
        _ => (None, None),
    };
    let flags = Flags {
        listen,
        provider,
        config: cli.config.clone(),
    };
    let config = match Config::load(env, &flags) {
        Ok(c) => c,
        Err(err) => return config_error(&err),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("sportsgate: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Command::Serve { .. } => serve(config).await,
            Command::Check => check(config).await,
            Command::Keys { action } => keys(&config, action).await,
            Command::Plans => plans(&config),
            Command::Migrate => migrate(&config).await,
            Command::Healthcheck { url } => healthcheck(&config, url).await,
            Command::Config { env_names } => settings_list::print(env_names),
        }
    })
}

/// The address to open in a browser: a wildcard listen address is reached as `localhost`.
fn open_url(addr: std::net::SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("http://localhost:{}/", addr.port())
    } else {
        format!("http://{addr}/")
    }
}

fn config_error(err: &ConfigError) -> ExitCode {
    eprintln!("sportsgate: configuration error: {err}");
    ExitCode::from(2)
}

async fn serve(config: Config) -> ExitCode {
    // Log I/O on a background thread so a slow stdout never stalls a request: lines are
    // batched, one write per batch within 20 ms of its first line; not lossy: a full buffer
    // (8 MiB) slows requests down rather than dropping lines. The guard writes the rest when
    // serve returns, waiting at most a second.
    let (sink, _flush_on_exit) = LogSink::spawn(std::io::stdout());
    if logging::init(config.log_format, sink.clone()) && config.log_format == LogFormat::Json {
        access::write_directly_to(sink);
    }
    for name in &config.unknown_env {
        tracing::warn!(name = %name, "unknown setting ignored: no SPORTSGATE_ variable of that name is read (see `sportsgate config`)");
    }
    let provider = config.provider;
    let fallback = config.fallback;
    match App::build(config).await {
        Ok(app) => {
            let url = open_url(app.addr());
            tracing::info!(addr = %app.addr(), url = %url, admin = %format!("{url}admin"), provider = %provider, fallback = ?fallback.map(|f| f.as_str()), "listening");
            match app.run().await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    tracing::error!(error = %err, "server failed");
                    ExitCode::from(1)
                }
            }
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot start");
            ExitCode::from(1)
        }
    }
}

/// Prints one line per check; secrets never appear (errors carry no URLs).
/// Opens the store (and migrates it) for the CLI's management commands.
async fn management(config: &Config) -> Result<Management, ExitCode> {
    Management::connect(&config.management).await.map_err(|err| {
        eprintln!("sportsgate: {err}");
        ExitCode::from(1)
    })
}

async fn keys(config: &Config, action: KeysAction) -> ExitCode {
    let management = match management(config).await {
        Ok(m) => m,
        Err(code) => return code,
    };
    let result = match action {
        KeysAction::Create { name, plan, expires_in } => {
            let expires_at = match expires_in.as_deref().map(crate::config::parse_duration).transpose() {
                Ok(d) => d.map(|d| chrono::Utc::now() + chrono::Duration::from_std(d).unwrap_or_default()),
                Err(message) => {
                    eprintln!("sportsgate: --expires-in: {message}");
                    return ExitCode::from(2);
                }
            };
            management
                .keys
                .issue(NewKey { name, plan, expires_at })
                .await
                .map(|issued| {
                    let k = &issued.record;
                    let expires = k.expires_at.map_or_else(String::new, |t| {
                        format!(", expires {}", crate::domain::time::rfc3339(t))
                    });
                    println!("created key {} ({}, plan {}{expires})", k.id, k.name, k.plan);
                    println!("token (shown once, store it now): {}", issued.token.expose_secret());
                })
        }
        KeysAction::List => management.keys.list().await.map(|keys| {
            println!(
                "{:<12}  {:<10}  {:<8}  {:<25}  name",
                "id", "plan", "state", "last used"
            );
            for k in keys {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else if k.is_active(chrono::Utc::now()) {
                    "active"
                } else {
                    "expired"
                };
                let used = k
                    .last_used_at
                    .map_or_else(|| "never".to_owned(), crate::domain::time::rfc3339);
                println!("{:<12}  {:<10}  {:<8}  {:<25}  {}", k.id, k.plan, state, used, k.name);
            }
        }),
        KeysAction::Revoke { id } => management.keys.revoke(&id).await.map(|()| println!("revoked key {id}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(KeyError::Invalid { field, message }) => {
            eprintln!("sportsgate: invalid {field}: {message}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("sportsgate: {err}");
            ExitCode::from(1)
        }
    }
}

fn plans(config: &Config) -> ExitCode {
    println!("{:<12}  {:<14}  {:>6}  quota", "plan", "rate", "burst");
    for p in config.management.plans.iter() {
        let rate = p.rate.map_or_else(|| "unmetered".to_owned(), |r| r.to_string());
        let quota = p.quota.map_or_else(|| "none".to_owned(), |q| q.to_string());
        let anonymous = if config.management.anonymous_plan.as_deref() == Some(p.name.as_str()) {
            "  (anonymous callers)"
        } else {
            ""
        };
        println!("{:<12}  {:<14}  {:>6}  {quota}{anonymous}", p.name, rate, p.burst);
    }
    ExitCode::SUCCESS
}

async fn migrate(config: &Config) -> ExitCode {
    match management(config).await {
        Ok(m) => {
            println!("migrations applied ({})", m.store_backend());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// Prints one line per check; secrets never appear (errors carry no URLs).
async fn check(config: Config) -> ExitCode {
    println!(
        "ok    config: provider {}, fallback {}",
        config.provider,
        config.fallback.map_or("none", |f| f.as_str())
    );
    println!(
        "ok    catalogue: {} leagues, {} plans",
        config.catalogue.ids().len(),
        config.management.plans.names().len()
    );
    for name in &config.unknown_env {
        println!("warn  config: {name} is not a setting sportsgate reads (ignored)");
    }
    let mut failed = false;
    let store = match Management::connect(&config.management).await {
        Ok(m) => {
            println!("ok    database: {} reachable, migrations applied", m.store_backend());
            Some(m.store.clone())
        }
        Err(err) => {
            failed = true;
            println!("FAIL  database: {err}");
            None
        }
    };
    if let Some(redis) = &config.management.redis {
        match SharedRedis::connect(redis).await {
            Ok(link) => match link.server_version().await {
                Ok(version) => println!("ok    redis: {} reachable, server version {version}", redis.endpoint()),
                Err(err) => {
                    failed = true;
                    println!("FAIL  redis: {}: {err}", redis.endpoint());
                }
            },
            Err(err) => {
                failed = true;
                println!("FAIL  redis: {}: {err}", redis.endpoint());
            }
        }
    }
    let chain = ProviderChain::from_config(&config, store);
    for (provider, result) in chain.probe().await {
        match result {
            Ok(()) => println!("ok    upstream {provider}: reachable"),
            Err(err) => {
                failed = true;
                println!("FAIL  upstream {provider}: {err}");
            }
        }
    }
    if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

async fn healthcheck(config: &Config, url: Option<String>) -> ExitCode {
    let url = url.unwrap_or_else(|| format!("http://127.0.0.1:{}/healthz", config.listen.port()));
    let started = Instant::now();
    crate::providers::upstream_client::install_crypto_provider();
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(3)).build() {
        Ok(c) => c,
        Err(_) => return ExitCode::from(1),
    };
    match client.get(&url).send().await {
        Ok(r) if r.status().is_success() => {
            println!("healthy ({} ms)", started.elapsed().as_millis());
            ExitCode::SUCCESS
        }
        Ok(r) => {
            println!("unhealthy: HTTP {}", r.status().as_u16());
            ExitCode::from(1)
        }
        Err(_) => {
            println!("unhealthy: no answer from {url}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::open_url;

    #[test]
    fn a_wildcard_listen_address_is_opened_as_localhost() {
        assert_eq!(open_url("0.0.0.0:8080".parse().unwrap()), "http://localhost:8080/");
        assert_eq!(open_url("[::]:9000".parse().unwrap()), "http://localhost:9000/");
        assert_eq!(open_url("127.0.0.1:8080".parse().unwrap()), "http://127.0.0.1:8080/");
        assert_eq!(open_url("[::1]:8080".parse().unwrap()), "http://[::1]:8080/");
    }
}
