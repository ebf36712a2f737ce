//! The `sportsgate` binary: parse the command line, run it, exit 0 (ok), 1 (runtime
//! failure) or 2 (bad usage or configuration).

fn main() -> std::process::ExitCode {
    sportsgate::cli::run()
}
