//! The search over a surge's size, pure: from the outcomes so far, the next size to replay
//! or the end. The driver runs the replays; this file only decides.
//!
//! Sizes are *scales*, multiples of the scenario's own size (1 = the replay `stampede run`
//! does). The search grows geometrically from `from` (×`factor` per step, capped at `to`)
//! until a size fails, then bisects the bracket `[largest pass, smallest fail]` at its
//! geometric midpoint until `fail / pass ≤ 1 + precision`.
//!
//! Noise: a size below a known failure — the sizes that decide the answer — counts as
//! passing only after `repeats` passing replays; one failure fails it for good (a
//! capacity is what survives every time). While growing, far from the boundary, one
//! pass is enough. A size above the smallest failure is never run again: the platform
//! is assumed to get no better with more load.

/// The search's settings, checked by [`Spec::check`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spec {
    /// First size tried.
    pub from: f64,
    /// Largest size tried.
    pub to: f64,
    /// Growth per step while no size has failed.
    pub factor: f64,
    /// The answer's relative width: the search ends when `fail / pass ≤ 1 + precision`.
    pub precision: f64,
    /// Passing replays a size near the boundary needs.
    pub repeats: u32,
}

/// Longest search the settings may ask for, in steps: beyond it a search is a mistake.
pub const MAX_REPEATS: u32 = 20;

impl Spec {
    /// The rules, each with the flag that breaks it.
    pub fn check(&self) -> Result<(), String> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !positive(self.from) {
            return Err(format!("--from {} must be a finite number above 0", self.from));
        }
        if !positive(self.to) || self.to < self.from {
            return Err(format!("--to {} must be a finite number at least --from ({})", self.to, self.from));
        }
        if !(self.precision.is_finite() && self.precision >= 0.001 && self.precision <= 1.0) {
            return Err(format!("--precision {} is outside 0.1%..100%", self.precision * 100.0));
        }
        if !(self.factor.is_finite() && self.factor > 1.0 + self.precision && self.factor <= 100.0) {
            return Err(format!("--factor {} must be above 1 + the precision and at most 100", self.factor));
        }
        if !(1..=MAX_REPEATS).contains(&self.repeats) {
            return Err(format!("--repeats {} is outside 1..={MAX_REPEATS}", self.repeats));
        }
        Ok(())
    }
}

/// How one replay of a size ended, for the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
}

/// What the search wants next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Replay this size (again, when it needs more passes).
    Run(f64),
    /// The bracket is narrower than the precision.
    Found { pass: f64, fail: f64 },
    /// Every size up to `to` passed.
    AtLeast(f64),
    /// `from` already fails.
    Below(f64),
}

/// One size and its replays so far.
#[derive(Debug, Clone, Copy)]
struct Tried {
    scale: f64,
    passes: u32,
    failed: bool,
}

/// The search's state: every size tried.
#[derive(Debug, Clone)]
pub struct Search {
    spec: Spec,
    tried: Vec<Tried>,
}

impl Search {
    pub fn new(spec: Spec) -> Self {
        Self { spec, tried: Vec::new() }
    }

    /// Records one replay of `scale`.
    pub fn record(&mut self, scale: f64, outcome: Outcome) {
        let index = match self.tried.iter().position(|t| t.scale == scale) {
            Some(index) => index,
            None => {
                self.tried.push(Tried { scale, passes: 0, failed: false });
                self.tried.len() - 1
            }
        };
        match outcome {
            Outcome::Pass => self.tried[index].passes += 1,
            Outcome::Fail => self.tried[index].failed = true,
        }
    }

    /// The smallest size that failed.
    pub fn smallest_fail(&self) -> Option<f64> {
        self.tried.iter().filter(|t| t.failed).map(|t| t.scale).min_by(f64::total_cmp)
    }

    /// The largest size below every failure that passed (maybe not yet confirmed).
    fn largest_pass(&self) -> Option<Tried> {
        let fail = self.smallest_fail().unwrap_or(f64::INFINITY);
        (self.tried.iter())
            .filter(|t| !t.failed && t.passes > 0 && t.scale < fail)
            .max_by(|a, b| a.scale.total_cmp(&b.scale))
            .copied()
    }

    /// The largest size that passed every replay it needed: the answer so far.
    pub fn confirmed_pass(&self) -> Option<f64> {
        let needed = if self.smallest_fail().is_some() { self.spec.repeats } else { 1 };
        let fail = self.smallest_fail().unwrap_or(f64::INFINITY);
        (self.tried.iter())
            .filter(|t| !t.failed && t.passes >= needed && t.scale < fail)
            .map(|t| t.scale)
            .max_by(f64::total_cmp)
    }

    /// The next replay, or the end of the search.
    pub fn next(&self) -> Next {
        let spec = &self.spec;
        let Some(fail) = self.smallest_fail() else {
            return match self.largest_pass() {
                None => Next::Run(spec.from),
                Some(pass) if pass.scale >= spec.to => Next::AtLeast(pass.scale),
                Some(pass) => Next::Run((pass.scale * spec.factor).min(spec.to)),
            };
        };
        let Some(pass) = self.largest_pass() else {
            // Everything tried below the failure failed on confirmation: try `from`,
            // unless that is what failed.
            return if fail <= spec.from { Next::Below(spec.from) } else { Next::Run(spec.from) };
        };
        if pass.passes < spec.repeats {
            return Next::Run(pass.scale);
        }
        if fail / pass.scale <= 1.0 + spec.precision {
            Next::Found { pass: pass.scale, fail }
        } else {
            Next::Run((pass.scale * fail).sqrt())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(repeats: u32) -> Spec {
        Spec { from: 1.0, to: 64.0, factor: 2.0, precision: 0.1, repeats }
    }

    /// Runs the search against a platform that passes below `capacity`, recording every
    /// size replayed.
    fn search(spec: Spec, mut passes: impl FnMut(f64) -> bool) -> (Next, Vec<f64>) {
        let mut search = Search::new(spec);
        let mut runs = Vec::new();
        for _ in 0..200 {
            match search.next() {
                Next::Run(scale) => {
                    runs.push(scale);
                    search.record(scale, if passes(scale) { Outcome::Pass } else { Outcome::Fail });
                }
                end => return (end, runs),
            }
        }
        panic!("the search did not end: {runs:?}");
    }

    #[test]
    fn grows_then_bisects_to_the_precision() {
        let (end, runs) = search(spec(1), |s| s < 5.0);
        let Next::Found { pass, fail } = end else { panic!("{end:?}") };
        assert!(pass < 5.0 && fail >= 5.0 && fail / pass <= 1.1, "{pass} {fail}");
        assert_eq!(&runs[..4], [1.0, 2.0, 4.0, 8.0]);
        // Bisection of [4, 8] to 10 %: log2(ln 2 / ln 1.1) ≈ 2.9, so three more steps.
        assert_eq!(runs.len(), 7, "{runs:?}");
    }

    #[test]
    fn ends_at_the_ends_of_the_range() {
        let (end, runs) = search(spec(1), |_| true);
        assert_eq!(end, Next::AtLeast(64.0));
        assert_eq!(runs, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]);
        let (end, runs) = search(Spec { to: 50.0, ..spec(1) }, |_| true);
        assert_eq!((end, runs.last().copied()), (Next::AtLeast(50.0), Some(50.0)));
        let (end, runs) = search(spec(3), |_| false);
        assert_eq!((end, runs), (Next::Below(1.0), vec![1.0]));
    }

    #[test]
    fn sizes_near_the_boundary_pass_every_repeat() {
        let (end, runs) = search(spec(3), |s| s < 5.0);
        let Next::Found { pass, .. } = end else { panic!("{end:?}") };
        // Growing sizes ran once; the final pass ran three times.
        assert_eq!(runs.iter().filter(|s| **s == 2.0).count(), 1);
        assert_eq!(runs.iter().filter(|s| **s == pass).count(), 3, "{runs:?}");
    }

    #[test]
    fn a_pass_that_fails_on_repeat_moves_the_bracket_down() {
        // 4 passes the first time only (noise): the answer falls below it.
        let mut seen_four = 0;
        let (end, runs) = search(spec(2), |s| {
            if s == 4.0 {
                seen_four += 1;
                return seen_four == 1;
            }
            s < 5.0
        });
        let Next::Found { pass, fail } = end else { panic!("{end:?}") };
        assert!(fail <= 4.0 && pass < fail, "{pass} {fail} {runs:?}");
    }

    #[test]
    fn settings_are_checked() {
        assert!(spec(1).check().is_ok());
        for bad in [
            Spec { from: 0.0, ..spec(1) },
            Spec { from: f64::NAN, ..spec(1) },
            Spec { to: 0.5, ..spec(1) },
            Spec { to: f64::INFINITY, ..spec(1) },
            Spec { precision: 0.0, ..spec(1) },
            Spec { factor: 1.05, ..spec(1) },
            Spec { repeats: 0, ..spec(1) },
            Spec { repeats: 21, ..spec(1) },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }
}
