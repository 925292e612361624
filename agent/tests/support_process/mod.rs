//! Starting a real `charla` process that prints the address it listens on, as the tests and
//! benches that drive the binary over HTTP all do.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The line `charla serve` prints once it listens (the URL follows).
pub const SERVE_LISTENING: &str = "charla listening on ";

/// A started process and what it printed up to its address.
pub struct Listening {
    /// The process.
    pub child: Child,
    /// The rest of the address line: the URL.
    pub url: String,
    /// The stderr lines before it (first-run ingestion, notes).
    pub before: Vec<String>,
}

/// Spawns `command` with stderr piped and waits for the line starting with `prefix`. Every
/// stderr line is handed to `echo` (the ones before the address too), so the child never
/// blocks on a full pipe.
pub fn spawn_listening(mut command: Command, prefix: &str, echo: fn(&str)) -> Listening {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the charla binary starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut before = Vec::new();
    let url = loop {
        let line = lines
            .next()
            .expect("charla printed its address before exiting")
            .unwrap();
        echo(&line);
        if let Some(url) = line.strip_prefix(prefix) {
            break url.trim().to_string();
        }
        before.push(line);
    };
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            echo(&line);
        }
    });
    Listening { child, url, before }
}

/// Drops stderr lines.
pub fn quiet(_: &str) {}

/// Shows stderr lines in the test's or bench's output.
pub fn show(line: &str) {
    eprintln!("charla: {line}");
}
