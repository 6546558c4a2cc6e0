//! Fee schedules per venue (`[venue.fees]`): what a market pays on each fill unless its own
//! `[[markets]]` rates say otherwise. The defaults are the venues' public base tiers, so a
//! maker rebate is only ever paid where the configuration asks for one.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{PaperConfig, PaperSource, VenueKind};

/// A fee schedule: rates of the notional, negative for a rebate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRates {
    /// On a fill of a resting order (maker); negative: a rebate.
    pub maker: Decimal,
    /// On a fill that takes liquidity (taker).
    pub taker: Decimal,
}

impl FeeRates {
    /// The simulator's schedule by default: a 1 bp maker rebate, 5 bp taker.
    pub const SIM: FeeRates = FeeRates {
        maker: Decimal::from_parts(1, 0, 0, true, 4),
        taker: Decimal::from_parts(5, 0, 0, false, 4),
    };

    /// Hyperliquid's perpetuals at the base tier (its `userFees` answer's `userAddRate` and
    /// `userCrossRate`): 1.5 bp maker, 4.5 bp taker, no rebate.
    pub const HYPERLIQUID: FeeRates = FeeRates {
        maker: Decimal::from_parts(15, 0, 0, false, 5),
        taker: Decimal::from_parts(45, 0, 0, false, 5),
    };

    /// Hyperliquid's spot pairs at the base tier (`userSpotAddRate`, `userSpotCrossRate`):
    /// 4 bp maker, 7 bp taker.
    pub const HYPERLIQUID_SPOT: FeeRates = FeeRates {
        maker: Decimal::from_parts(4, 0, 0, false, 4),
        taker: Decimal::from_parts(7, 0, 0, false, 4),
    };

    /// Binance spot at the base tier: 10 bp either way.
    pub const BINANCE_SPOT: FeeRates = FeeRates {
        maker: Decimal::from_parts(1, 0, 0, false, 3),
        taker: Decimal::from_parts(1, 0, 0, false, 3),
    };

    /// Binance USD-M futures at the base tier: 2 bp maker, 5 bp taker.
    pub const BINANCE_USDM: FeeRates = FeeRates {
        maker: Decimal::from_parts(2, 0, 0, false, 4),
        taker: Decimal::from_parts(5, 0, 0, false, 4),
    };

    /// Why these rates cannot be used, if they cannot: each must be a fraction in (−1, 1).
    pub fn check(&self) -> Result<(), String> {
        if self.maker.abs() >= Decimal::ONE || self.taker.abs() >= Decimal::ONE {
            return Err(format!(
                "fee rates are fractions in (-1, 1), got maker {} and taker {}",
                self.maker, self.taker
            ));
        }
        Ok(())
    }
}

/// Each venue's fee schedule, `[venue.fees]`; every key is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VenueFees {
    /// The local simulator's (`kind = "sim"`), which it charges: [`FeeRates::SIM`].
    pub sim: FeeRates,
    /// Hyperliquid's perpetuals (`kind = "hyperliquid"`, a market whose coin is a perp such
    /// as `ETH`): [`FeeRates::HYPERLIQUID`]. Set the account's own tier here.
    pub hyperliquid: FeeRates,
    /// Hyperliquid's spot pairs (a coin `PURR/USDC` or `@107`, and a market with no coin
    /// named): [`FeeRates::HYPERLIQUID_SPOT`].
    pub hyperliquid_spot: FeeRates,
    /// Paper trading's (`kind = "paper"`), which the simulator charges the paper account;
    /// none: the base tier of the venue whose feed it follows (Binance spot or USD-M,
    /// Hyperliquid).
    pub paper: Option<FeeRates>,
}

impl Default for VenueFees {
    fn default() -> Self {
        VenueFees {
            sim: FeeRates::SIM,
            hyperliquid: FeeRates::HYPERLIQUID,
            hyperliquid_spot: FeeRates::HYPERLIQUID_SPOT,
            paper: None,
        }
    }
}

impl VenueFees {
    /// The schedule of a market on venue `kind` (paper trading's from its feed, `paper`,
    /// unless set); `perp`: whether the market is a perpetual on Hyperliquid.
    pub fn of(&self, kind: VenueKind, paper: &PaperConfig, perp: bool) -> FeeRates {
        let hyperliquid = if perp {
            self.hyperliquid
        } else {
            self.hyperliquid_spot
        };
        match kind {
            VenueKind::Sim | VenueKind::Sei => self.sim,
            VenueKind::Hyperliquid => hyperliquid,
            VenueKind::Paper => self.paper.unwrap_or(match paper.source {
                PaperSource::Hyperliquid => hyperliquid,
                PaperSource::Binance if paper.market == "usdm" => FeeRates::BINANCE_USDM,
                PaperSource::Binance => FeeRates::BINANCE_SPOT,
            }),
        }
    }

    /// Why a schedule cannot be used, if one cannot, with its key.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let paper = self.paper.map(|p| ("venue.fees.paper", p));
        for (key, rates) in [
            ("venue.fees.sim", self.sim),
            ("venue.fees.hyperliquid", self.hyperliquid),
            ("venue.fees.hyperliquid_spot", self.hyperliquid_spot),
        ]
        .into_iter()
        .chain(paper)
        {
            rates.check().map_err(|e| (key, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn the_constants_are_the_schedules_they_name() {
        assert_eq!(
            (FeeRates::SIM.maker, FeeRates::SIM.taker),
            (d("-0.0001"), d("0.0005"))
        );
        assert_eq!(
            (FeeRates::HYPERLIQUID.maker, FeeRates::HYPERLIQUID.taker),
            (d("0.00015"), d("0.00045"))
        );
        assert_eq!(
            (
                FeeRates::HYPERLIQUID_SPOT.maker,
                FeeRates::HYPERLIQUID_SPOT.taker
            ),
            (d("0.0004"), d("0.0007"))
        );
        assert_eq!(
            (FeeRates::BINANCE_SPOT.maker, FeeRates::BINANCE_SPOT.taker),
            (d("0.001"), d("0.001"))
        );
        assert_eq!(
            (FeeRates::BINANCE_USDM.maker, FeeRates::BINANCE_USDM.taker),
            (d("0.0002"), d("0.0005"))
        );
    }

    #[test]
    fn each_venue_has_its_schedule_and_paper_follows_its_feed() {
        let fees = VenueFees::default();
        let mut paper = PaperConfig::default();
        assert_eq!(fees.of(VenueKind::Sim, &paper, true), FeeRates::SIM);
        assert_eq!(
            fees.of(VenueKind::Hyperliquid, &paper, true),
            FeeRates::HYPERLIQUID
        );
        assert_eq!(
            fees.of(VenueKind::Hyperliquid, &paper, false),
            FeeRates::HYPERLIQUID_SPOT
        );
        assert_eq!(
            fees.of(VenueKind::Paper, &paper, true),
            FeeRates::BINANCE_SPOT
        );
        paper.market = "usdm".into();
        assert_eq!(
            fees.of(VenueKind::Paper, &paper, true),
            FeeRates::BINANCE_USDM
        );
        paper.source = PaperSource::Hyperliquid;
        assert_eq!(
            fees.of(VenueKind::Paper, &paper, true),
            FeeRates::HYPERLIQUID
        );
        assert_eq!(
            fees.of(VenueKind::Paper, &paper, false),
            FeeRates::HYPERLIQUID_SPOT
        );
        let own = FeeRates {
            maker: d("0"),
            taker: d("0.0003"),
        };
        let set = VenueFees {
            paper: Some(own),
            ..VenueFees::default()
        };
        assert_eq!(set.of(VenueKind::Paper, &paper, false), own);
    }

    #[test]
    fn a_rate_outside_minus_one_to_one_is_refused_with_its_key() {
        let fees = VenueFees {
            hyperliquid: FeeRates {
                maker: d("1"),
                taker: d("0"),
            },
            ..VenueFees::default()
        };
        assert_eq!(fees.check().unwrap_err().0, "venue.fees.hyperliquid");
        assert!(VenueFees::default().check().is_ok());
    }
}
