//! Phase timings on standard error when `EVSYNTH_TIMINGS` is set (e.g. `EVSYNTH_TIMINGS=1
//! evsynth report big-topic`): where the time of a large run goes, without a profiler.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("EVSYNTH_TIMINGS").is_some_and(|v| !v.is_empty()))
}

/// A running phase; prints `phase <name>: <ms> ms` when dropped, if timings are on.
pub struct Phase {
    name: &'static str,
    start: Option<Instant>,
}

/// Starts timing a phase (free when timings are off).
pub fn phase(name: &'static str) -> Phase {
    Phase {
        name,
        start: enabled().then(Instant::now),
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some(start) = self.start {
            use std::io::Write;
            // Not eprintln!, which panics when standard error is a closed pipe (`| head`)
            // and would end a report before its staged files are cleaned up.
            let _ = writeln!(
                std::io::stderr().lock(),
                "phase {}: {:.1} ms",
                self.name,
                start.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}
