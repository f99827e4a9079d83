//! What the metrics of the hub and the agents share: a gauge that says a part is working
//! while a guard lives ([`Flag`]), and the text exposition of their registries
//! ([`exposition`]), and the outbox [`Backlog`] a scrape reads.

use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// A gauge that is 1 while a part works (a consumer consuming), else 0; readiness reads it.
#[derive(Debug, Clone, Default)]
pub struct Flag(Gauge);

impl Flag {
    /// The gauge, to register under the metric's name.
    pub fn gauge(&self) -> Gauge {
        self.0.clone()
    }

    /// Sets the flag until the guard is dropped, however the work it marks ends.
    pub fn raise(&self) -> Raised {
        self.0.set(1);
        Raised(self.0.clone())
    }

    /// Whether the flag is set.
    pub fn is_raised(&self) -> bool {
        self.0.get() == 1
    }
}

/// Keeps a [`Flag`] at 1 while it lives.
#[derive(Debug)]
pub struct Raised(Gauge);

impl Drop for Raised {
    fn drop(&mut self) {
        self.0.set(0);
    }
}

/// The OpenMetrics text of `registries`, in order, with the closing `# EOF`.
pub fn exposition(registries: &[&Registry]) -> String {
    let mut text = String::new();
    registries
        .iter()
        .try_for_each(|registry| encode_registry(&mut text, registry))
        .and_then(|()| encode_eof(&mut text))
        .expect("writing to a String does not fail");
    text
}

/// An outbox's backlog, as a scrape reads it: what is stored and not yet published.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backlog {
    /// How many.
    pub pending: i64,
    /// The age of the oldest, in seconds (0 when there is none).
    pub lag_seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_is_raised_as_long_as_its_guard_lives() {
        let flag = Flag::default();
        assert!(!flag.is_raised());
        let guard = flag.raise();
        assert!(flag.is_raised());
        drop(guard);
        assert!(!flag.is_raised());
    }

    #[test]
    fn the_exposition_holds_every_registry_and_ends_with_eof() {
        let flag = Flag::default();
        let mut first = Registry::default();
        first.register("a_consuming", "1 while consuming", flag.gauge());
        let _raised = flag.raise();
        let mut second = Registry::default();
        second.register("b_depth", "A depth", Gauge::<i64>::default());
        let text = exposition(&[&first, &second]);
        assert!(text.contains("a_consuming 1\n"), "{text}");
        assert!(text.contains("b_depth 0\n"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
