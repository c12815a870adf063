//! Counters for `GET /metrics`, in the Prometheus text format. Hand-written atomics: a handful of counters does not
//! need a metrics framework.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use aduana_store::SubmissionOutcome;

/// The server's counters.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    responses: [AtomicU64; 5],
    created: AtomicU64,
    unchanged: AtomicU64,
    amended: AtomicU64,
    rejected_submissions: AtomicU64,
    auth_failures: AtomicU64,
    rate_limited: AtomicU64,
    request_micros: AtomicU64,
}

impl Metrics {
    pub(crate) fn response(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
        self.request_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub(crate) fn submitted(&self, outcome: SubmissionOutcome) {
        let counter = match outcome {
            SubmissionOutcome::Created => &self.created,
            SubmissionOutcome::Unchanged => &self.unchanged,
            SubmissionOutcome::Amended => &self.amended,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn rejected_submission(&self) {
        self.rejected_submissions.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Renders every counter in the Prometheus text exposition format.
    pub(crate) fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        out.push_str("# HELP aduana_http_responses_total HTTP responses sent, by status class.\n");
        out.push_str("# TYPE aduana_http_responses_total counter\n");
        for (i, counter) in self.responses.iter().enumerate() {
            let _ = writeln!(out, "aduana_http_responses_total{{class=\"{}xx\"}} {}", i + 1, get(counter));
        }
        out.push_str("# HELP aduana_http_request_duration_seconds_sum Time spent answering requests.\n");
        out.push_str("# TYPE aduana_http_request_duration_seconds_sum counter\n");
        let _ = writeln!(out, "aduana_http_request_duration_seconds_sum {}", get(&self.request_micros) as f64 / 1e6);
        out.push_str("# HELP aduana_consignments_submitted_total Consignments accepted, by outcome.\n");
        out.push_str("# TYPE aduana_consignments_submitted_total counter\n");
        for (name, counter) in [("created", &self.created), ("unchanged", &self.unchanged), ("amended", &self.amended)]
        {
            let _ = writeln!(out, "aduana_consignments_submitted_total{{outcome=\"{name}\"}} {}", get(counter));
        }
        for (name, help, counter) in [
            ("aduana_submissions_rejected_total", "Submissions rejected as invalid.", &self.rejected_submissions),
            ("aduana_auth_failures_total", "Requests with missing or invalid credentials.", &self.auth_failures),
            ("aduana_rate_limited_total", "Requests refused by the per-caller rate limit.", &self.rate_limited),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", get(counter));
        }
        out
    }
}
