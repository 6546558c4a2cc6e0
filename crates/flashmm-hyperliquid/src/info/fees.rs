//! `userFees`: the fee rates an account pays now (its volume tier and staking discount
//! applied), perpetuals and spot apart.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The `userFees` answer: the rates FlashMM compares with its configured fees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserFees {
    /// Perpetuals, taking liquidity (`userCrossRate`).
    pub user_cross_rate: Decimal,
    /// Perpetuals, adding liquidity (`userAddRate`); negative: a rebate.
    pub user_add_rate: Decimal,
    /// Spot, taking liquidity (`userSpotCrossRate`).
    pub user_spot_cross_rate: Decimal,
    /// Spot, adding liquidity (`userSpotAddRate`).
    pub user_spot_add_rate: Decimal,
    /// The referral discount taken off positive fees (`activeReferralDiscount`, a fraction).
    #[serde(default)]
    pub active_referral_discount: Decimal,
}

impl UserFees {
    /// What a fill pays as a fraction of its notional: the perp or spot rate, adding
    /// liquidity (`maker`) or taking it, less the referral discount when it is a fee.
    pub fn rate(&self, spot: bool, maker: bool) -> Decimal {
        let rate = match (spot, maker) {
            (false, true) => self.user_add_rate,
            (false, false) => self.user_cross_rate,
            (true, true) => self.user_spot_add_rate,
            (true, false) => self.user_spot_cross_rate,
        };
        if rate > Decimal::ZERO {
            rate * (Decimal::ONE - self.active_referral_discount)
        } else {
            rate
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The shape of a live `userFees` answer (a base-tier account with a 4 % referral
    // discount), `dailyUserVlm` trimmed.
    const ANSWER: &str = r#"{"dailyUserVlm":[{"date":"2026-09-25","userCross":"244273.31","userAdd":"977934.67","exchange":"7758060965.1"}],"userCrossRate":"0.00045","userAddRate":"0.00015","userSpotCrossRate":"0.0007","userSpotAddRate":"0.0004","activeReferralDiscount":"0.04","trial":null,"feeTrialEscrow":"0.0","nextTrialAvailableTimestamp":null,"stakingLink":null,"activeStakingDiscount":{"bpsOfMaxSupply":"0.0","discount":"0.0"}}"#;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn reads_the_rates_and_takes_the_referral_discount_off_fees() {
        let fees: UserFees = serde_json::from_str(ANSWER).expect("userFees");
        assert_eq!(fees.user_add_rate, d("0.00015"));
        assert_eq!(fees.user_spot_cross_rate, d("0.0007"));
        assert_eq!(fees.rate(false, true), d("0.000144"));
        assert_eq!(fees.rate(false, false), d("0.000432"));
        assert_eq!(fees.rate(true, true), d("0.000384"));
        let rebate = UserFees {
            user_add_rate: d("-0.00002"),
            ..fees
        };
        assert_eq!(
            rebate.rate(false, true),
            d("-0.00002"),
            "a rebate is paid whole"
        );
    }
}
