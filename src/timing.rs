//! Phase timings on standard error when `EVSYNTH_TIMINGS` is set (e.g. `EVSYNTH_TIMINGS=1
//! evsynth report big-topic`): where the time and memory of a large run go, without a
//! profiler. Each phase also shows the process's CPU time (user and system, every thread)
//! spent while it ran: phases that overlap each count the CPU of the other.

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
    cpu_start: Option<f64>,
}

/// When the first phase started: phases print their start from it, so phases that run side by
/// side show as overlapping.
static FIRST_START: OnceLock<Instant> = OnceLock::new();

/// Starts timing a phase (free when timings are off).
pub fn phase(name: &'static str) -> Phase {
    let start = enabled().then(Instant::now);
    if let Some(start) = start {
        FIRST_START.get_or_init(|| start);
    }
    let cpu_start = start.and_then(|_| cpu_ms());
    Phase {
        name,
        start,
        cpu_start,
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some(start) = self.start {
            let offset = FIRST_START
                .get()
                .map_or(0.0, |first| (start - *first).as_secs_f64() * 1000.0);
            crate::cmd::errln!(
                "phase {}: {:.1} ms from {:.0} ms{}{}",
                self.name,
                start.elapsed().as_secs_f64() * 1000.0,
                offset,
                match (self.cpu_start, cpu_ms()) {
                    (Some(before), Some(after)) =>
                        format!(", process CPU {:.0} ms", after - before),
                    _ => String::new(),
                },
                resident_mib().map_or(String::new(), |mib| format!(" (resident {mib} MiB)"))
            );
        }
    }
}

/// The process's resident memory in MiB, where the system tells (Linux `/proc/self/statm`,
/// assuming 4 KiB pages).
fn resident_mib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / (1 << 20))
}

/// The process's user and system CPU time so far in ms, where the system tells (Linux
/// `/proc/self/stat`, in clock ticks of 10 ms).
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let user: f64 = fields.nth(11)?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) * 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CPU time is read (on Linux) and grows with work done: spinning advances it by
    /// 50 ms well within 10 s of wall time, however loaded the machine. Fails if the fields
    /// read are not the CPU times (another field would not parse, or would not grow while
    /// spinning, and the wait would run out).
    #[test]
    #[cfg(target_os = "linux")]
    fn cpu_time_grows_with_work() {
        let before = cpu_ms().expect("/proc/self/stat is readable");
        let start = Instant::now();
        let mut spin = 0u64;
        let mut now = before;
        while now - before < 50.0 && start.elapsed().as_secs() < 10 {
            for _ in 0..100_000 {
                spin = std::hint::black_box(spin.wrapping_add(1));
            }
            now = cpu_ms().unwrap();
        }
        assert!(
            now - before >= 50.0,
            "{before} -> {now} ms in {:?}",
            start.elapsed()
        );
    }
}
