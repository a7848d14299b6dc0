//! The `evsynth` binary: parse the command line, run, map the outcome to an exit code.

use clap::Parser;

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
