//! Progress of long steps on stderr: a bar on a terminal, otherwise (CI logs) a line at most
//! every few seconds and one at the end, so a log shows the run is alive and how fast it goes.
//! [`IngestLines`] shows the ingest pipeline's progress the same way.

use charla_knowledge::ingest::IngestProgress;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The least time between two progress lines when stderr is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// One step with a known number of texts (messages, chunks, queries) to process.
pub struct Progress {
    label: String,
    total: usize,
    done: usize,
    started: Instant,
    last_line: Instant,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Starts a step of `total` texts named `label` ("embedding the training split").
    pub fn start(label: impl Into<String>, total: usize) -> Self {
        let label = label.into();
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "  {msg} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.clone());
            bar
        });
        let now = Instant::now();
        Self {
            label,
            total,
            done: 0,
            started: now,
            last_line: now,
            bar,
        }
    }

    /// Records `n` more texts done.
    pub fn advance(&mut self, n: usize) {
        self.done += n;
        match &self.bar {
            Some(bar) => bar.inc(n as u64),
            None if self.last_line.elapsed() >= LINE_EVERY && self.done < self.total => {
                self.last_line = Instant::now();
                eprintln!(
                    "  {}: {}/{} ({:.0}s)",
                    self.label,
                    self.done,
                    self.total,
                    self.started.elapsed().as_secs_f64()
                );
            }
            None => {}
        }
    }

    /// Ends the step with a line saying how long it took; returns the seconds.
    pub fn finish(self) -> f64 {
        let seconds = self.started.elapsed().as_secs_f64();
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.total > 0 {
            eprintln!("  {}: {} done in {seconds:.1}s", self.label, self.total);
        }
        seconds
    }
}

/// The ingest pipeline's progress hooks, shown as a [`Progress`] step.
#[derive(Default)]
pub struct IngestLines {
    step: Mutex<Option<Progress>>,
}

impl IngestLines {
    /// Ends the step, if it started; returns its seconds.
    pub fn finish(&self) -> Option<f64> {
        let step = self
            .step
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        step.map(Progress::finish)
    }
}

impl IngestProgress for IngestLines {
    fn start_writing(&self, total: usize) {
        *self.step.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Progress::start("embedding and indexing the corpus", total));
    }

    fn wrote(&self, n: usize) {
        if let Some(step) = self
            .step
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            step.advance(n);
        }
    }
}
