//! The `evsynth` binary: parse the command line, run, map the outcome to an exit code.

use clap::Parser;

/// mimalloc instead of glibc malloc: at a million findings glibc spent a third of the run
/// faulting in and returning memory (measured with hyperfine: shipped report 66 -> 53 ms,
/// validate of 1M findings 1.43 -> 1.05 s, report of 1M findings 3.8 -> 3.5 s). Built as
/// mimalloc v2 without transparent huge pages (Cargo.toml): v2 returns freed memory after
/// 10 ms where v3 keeps it a second (1M report peak 381-403 -> 354-371 MiB), and huge pages
/// made first touches of memory stall for up to a second here (see the README's performance
/// notes).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = match evsynth::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // Help and version are successes; every other parse error is a usage error (2).
            return std::process::ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    std::process::ExitCode::from(evsynth::cmd::run(cli))
}
