//! The tuning plans' scheduler: carries out the applied plans' due time points at start-up (what
//! was missed while the console was down, once) and then every few seconds, through the services
//! (`Services::carry_out_due_plans`, whose clock tests move: in-process with `ManualClock`, in a
//! real console process with `FileClock`, `--test-clock-file`).

use std::path::PathBuf;
use std::time::Duration;

use engine::Clock;

use services::Services;
use tokio::sync::watch;

/// Runs until `shutdown` turns true, looking every `every`.
pub async fn carry_out_forever(services: Services, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        match services.carry_out_due_plans().await {
            Ok(done) if done.is_empty() => {}
            Ok(done) => tracing::info!(count = done.len(), "tuning plan time points carried out"),
            Err(err) => tracing::warn!(error = %err, "cannot read the applied tuning plans; trying again"),
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(every) => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// A clock a test moves from outside the process: the file holds the time (milliseconds since the
/// epoch, or RFC 3339). While the file cannot be read the real time is used.
#[derive(Debug)]
pub struct FileClock {
    file: PathBuf,
}

impl FileClock {
    /// The clock kept in `file`.
    pub fn new(file: PathBuf) -> Self {
        Self { file }
    }
}

impl Clock for FileClock {
    fn now_ms(&self) -> i64 {
        let text = std::fs::read_to_string(&self.file).unwrap_or_default();
        let text = text.trim();
        text.parse::<i64>()
            .ok()
            .or_else(|| engine::time::parse_ms(text))
            .unwrap_or_else(|| engine::SystemClock.now_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_clock_reads_its_file_and_falls_back_to_the_real_time() {
        let dir = tempfile::tempdir().expect("a directory");
        let clock = FileClock::new(dir.path().join("now"));
        let real = engine::SystemClock.now_ms();
        assert!(clock.now_ms() >= real, "no file: the real time");
        std::fs::write(dir.path().join("now"), "1764572400000\n").expect("written");
        assert_eq!(clock.now_ms(), 1_764_572_400_000);
        std::fs::write(dir.path().join("now"), "2025-12-01T07:00:00Z").expect("written");
        assert_eq!(clock.now_ms(), 1_764_572_400_000);
    }
}
