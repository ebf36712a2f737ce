//! The command line: `serve`, `check`, `healthcheck`. (`keys`, `plans` and `migrate`
//! arrive with the API-management store.) Exit codes: 0 ok, 1 runtime failure, 2 bad
//! usage or configuration.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use crate::app::App;
use crate::config::{Config, ConfigError, Flags};
use crate::providers::chain::ProviderChain;
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
    /// Validate the configuration and reach the upstreams; non-zero exit on any problem.
    Check,
    /// Ask a local server's /healthz (for container health checks: no shell or curl needed).
    Healthcheck {
        /// URL to ask; default http://127.0.0.1:<listen port>/healthz.
        #[arg(long)]
        url: Option<String>,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
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
            Command::Healthcheck { url } => healthcheck(&config, url).await,
        }
    })
}

fn config_error(err: &ConfigError) -> ExitCode {
    eprintln!("sportsgate: configuration error: {err}");
    ExitCode::from(2)
}

async fn serve(config: Config) -> ExitCode {
    // Log I/O on a background thread so a slow stdout never stalls a request; not lossy:
    // a full buffer slows requests down rather than dropping access-log lines. The guard
    // flushes what is buffered when serve returns.
    let (writer, _flush_on_exit) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stdout());
    logging::init(config.log_format, writer);
    let provider = config.provider;
    let fallback = config.fallback;
    match App::build(config).await {
        Ok(app) => {
            tracing::info!(addr = %app.addr(), provider = %provider, fallback = ?fallback.map(|f| f.as_str()), "listening");
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
async fn check(config: Config) -> ExitCode {
    println!(
        "ok    config: provider {}, fallback {}",
        config.provider,
        config.fallback.map_or("none", |f| f.as_str())
    );
    println!("ok    catalogue: {} leagues", config.catalogue.ids().len());
    let chain = ProviderChain::from_config(&config);
    let mut failed = false;
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
