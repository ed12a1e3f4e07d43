//! [`Budget`]: what rendering one Application from an ApplicationSet's
//! template may cost. Templates live in Git, so a single commit could ask
//! for `{{ repeat 20000000000 "x" }}`; every template function (both
//! engines) states the size of what it is about to build and asks the
//! budget first, so an over-budget expansion is that ApplicationSet's error
//! and never an allocation the process cannot survive.
//!
//! The bound is generous for real templates (an Application Argo CD can
//! store is at most ~1.5 MiB, etcd's object limit) and small for the
//! process: every byte produced while rendering one Application counts,
//! intermediate values included, and so does every step (template node,
//! function call, range iteration).

use thiserror::Error;

/// Bytes one Application's rendering may produce, all strings and
/// intermediate values together.
pub const MAX_RENDERED_BYTES: usize = 8 << 20;

/// Template steps (nodes executed, functions called, range iterations) one
/// Application's rendering may take.
pub const MAX_STEPS: u64 = 1_000_000;

/// Nesting of parentheses and blocks a Go template may have: deeper
/// templates are refused when parsed, before recursion could exhaust the
/// stack.
pub const MAX_NESTING: usize = 100;

/// A template that asked for more than the budget allows.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OverBudget {
    #[error(
        "{what} would produce {} bytes, over the template budget of {MAX_RENDERED_BYTES} bytes per application",
        .wanted.map_or_else(|| "more than 2^64".to_string(), |bytes| bytes.to_string())
    )]
    Bytes {
        what: String,
        /// `None`: the size itself overflowed.
        wanted: Option<usize>,
    },
    #[error("{what}: over the template budget of {MAX_STEPS} steps per application")]
    Steps { what: String },
}

/// The remaining allowance of one Application's rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    bytes_left: usize,
    steps_left: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::per_application()
    }
}

impl Budget {
    pub fn per_application() -> Budget {
        Budget {
            bytes_left: MAX_RENDERED_BYTES,
            steps_left: MAX_STEPS,
        }
    }

    /// Claims `bytes` (`None`: a size computation overflowed) before they
    /// are allocated.
    pub fn reserve(&mut self, what: &str, bytes: Option<usize>) -> Result<(), OverBudget> {
        match bytes {
            Some(bytes) if bytes <= self.bytes_left => {
                self.bytes_left -= bytes;
                Ok(())
            }
            wanted => Err(OverBudget::Bytes {
                what: what.to_string(),
                wanted,
            }),
        }
    }

    /// Bytes still available, for a writer that must stop at the limit.
    pub fn bytes_left(&self) -> usize {
        self.bytes_left
    }

    /// Claims one step.
    pub fn step(&mut self, what: &str) -> Result<(), OverBudget> {
        if self.steps_left == 0 {
            return Err(OverBudget::Steps {
                what: what.to_string(),
            });
        }
        self.steps_left -= 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_and_steps_run_out() {
        let mut budget = Budget::per_application();
        assert!(budget.reserve("a", Some(MAX_RENDERED_BYTES - 1)).is_ok());
        assert!(budget.reserve("b", Some(1)).is_ok());
        let error = budget.reserve("repeat", Some(1)).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("repeat would produce 1 bytes"),
            "{error}"
        );
        assert!(budget.reserve("x", None).is_err());
        let mut budget = Budget::per_application();
        for _ in 0..MAX_STEPS {
            budget.step("range").unwrap();
        }
        assert!(budget.step("range").is_err());
    }
}
