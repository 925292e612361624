//! The Markdown section of a scenarios suite: one row per scenario, then every failed check
//! with what was expected and what happened.

use super::percent;
use crate::scenarios::ScenariosReport;
use std::fmt::Write as _;

/// The Markdown section of `scenarios:PATH`.
pub fn markdown(report: &ScenariosReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "### scenarios:{} ({} scenarios, {:.1}s)\n",
        report.path, report.scenarios, report.seconds
    );
    let _ = writeln!(
        md,
        "Each scenario ran end to end through the WhatsApp webhook of a real `charla serve` with a stand-in Cloud API. \
         **{} of {} passed** ({}); {} of {} checks held ({}).\n",
        report.passed,
        report.scenarios,
        percent(Some(report.pass_rate)),
        report.checks - report.failed_checks.min(report.checks),
        report.checks,
        percent(Some(report.check_pass_rate)),
    );
    let _ = writeln!(
        md,
        "| scenario | turns | checks | failed | result | seconds |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for r in &report.results {
        let result = match (&r.error, r.passed) {
            (Some(_), _) => "error",
            (None, true) => "pass",
            (None, false) => "**fail**",
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {result} | {:.1} |",
            r.name,
            r.turns.len(),
            r.checks,
            r.failed_checks,
            r.seconds
        );
    }
    let failing: Vec<_> = report.results.iter().filter(|r| !r.passed).collect();
    if !failing.is_empty() {
        let _ = writeln!(md, "\n#### Failed checks\n");
        for r in failing {
            let _ = writeln!(md, "- **{}** (`{}`)", r.name, r.file);
            if let Some(error) = &r.error {
                let _ = writeln!(md, "  - the run failed: {}", one_line(error));
            }
            for turn in &r.turns {
                for f in &turn.failures {
                    let _ = writeln!(
                        md,
                        "  - turn {} \"{}\": `{}` expected {}, got {}",
                        turn.turn,
                        one_line(&turn.said),
                        f.check,
                        one_line(&f.expected),
                        one_line(&f.actual)
                    );
                }
            }
        }
    }
    md
}

/// One line of at most 200 characters, for a list item.
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= 200 {
        return line;
    }
    let cut: String = line.chars().take(197).collect();
    format!("{cut}...")
}
