//! [`SpreadMeter`]: how much participants' orders tighten a market, as the time-weighted
//! spread of the whole book beside that of the background flow's orders alone.

use flashmm_core::market::Price;

/// Best bid and ask, in ticks, while both exist.
type Touch = Option<(i64, i64)>;

/// Time integrals of one market's spreads, in bps of the mid, over the time both the whole
/// book and the flow's own orders were two-sided. The exchange samples it at each advance;
/// the state found there holds until the next sample.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpreadMeter {
    last: Option<(i64, Touch, Touch)>,
    /// Time both books were two-sided, ns.
    pub two_sided_ns: i64,
    /// ∫ spread of the whole book (participants' orders included) dt, bps × ns.
    pub with_participants_bps_ns: f64,
    /// ∫ spread of the flow's orders alone dt, bps × ns.
    pub flow_only_bps_ns: f64,
}

impl SpreadMeter {
    /// Samples the books at `now_ns`: `all` the whole book's best bid and ask, `flow` the
    /// flow's alone.
    pub fn sample(
        &mut self,
        now_ns: i64,
        all: (Option<Price>, Option<Price>),
        flow: (Option<Price>, Option<Price>),
    ) {
        let touch = |(b, a): (Option<Price>, Option<Price>)| Some((b?.ticks(), a?.ticks()));
        if let Some((at, Some((ab, aa)), Some((fb, fa)))) = self.last {
            let dt = now_ns.saturating_sub(at);
            if dt > 0 {
                let bps =
                    |bid: i64, ask: i64| (ask - bid) as f64 / ((ask + bid) as f64 / 2.0) * 1e4;
                self.two_sided_ns += dt;
                self.with_participants_bps_ns += bps(ab, aa) * dt as f64;
                self.flow_only_bps_ns += bps(fb, fa) * dt as f64;
            }
        }
        self.last = Some((now_ns, touch(all), touch(flow)));
    }

    /// The time-weighted spreads so far, in bps: (whole book, flow alone).
    pub fn mean_bps(&self) -> Option<(f64, f64)> {
        (self.two_sided_ns > 0).then(|| {
            let t = self.two_sided_ns as f64;
            (self.with_participants_bps_ns / t, self.flow_only_bps_ns / t)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: i64) -> Option<Price> {
        Some(Price::from_ticks(t))
    }

    #[test]
    fn integrates_each_state_until_the_next_sample() {
        let mut m = SpreadMeter::default();
        // 10 000 / 10 010 is 10 ticks wide; our orders at 10 004 / 10 006 make it 2.
        m.sample(0, (p(10_004), p(10_006)), (p(10_000), p(10_010)));
        m.sample(1_000, (p(10_000), p(10_010)), (p(10_000), p(10_010)));
        m.sample(2_000, (None, p(10_010)), (None, p(10_010)));
        m.sample(3_000, (p(10_000), p(10_010)), (p(10_000), p(10_010)));
        assert_eq!(m.two_sided_ns, 2_000);
        let (with, flow) = m.mean_bps().unwrap();
        // 2 and 10 ticks at a mid of 10 005: 1.999 and 9.995 bps, one microsecond each.
        assert!((with - 5.997).abs() < 1e-3, "{with}");
        assert!((flow - 9.995).abs() < 1e-3, "{flow}");
    }
}
