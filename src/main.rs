//! The `sportsgate` binary: parse the command line, run it, exit 0 (ok), 1 (runtime
//! failure) or 2 (bad usage or configuration).

// mimalloc: markedly faster than the system allocator for a server's many small, short-lived
// allocations, and it keeps musl builds (whose allocator is slow) fast too. The `mimalloc`
// feature (default) chooses it; bench/run.sh measures it against the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    sportsgate::cli::run()
}
