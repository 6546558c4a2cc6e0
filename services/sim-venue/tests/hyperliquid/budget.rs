//! The per-address budget of actions: the client learns it from `userRateLimit`, keeps to the
//! throttled pace once it is spent (refusing locally, with the reason), may still cancel, and
//! sends again once fills earned more.

use crate::mock::*;

#[tokio::test]
async fn a_spent_budget_throttles_orders_but_not_cancels_until_volume_earns_more() {
    timeout(Duration::from_secs(30), async {
        let m = mock_with(generous(), 3).await;
        let client = m.client().await;
        let other = m.other().await;
        let budget = client.address_budget();
        assert_eq!((budget.n_requests_used, budget.n_requests_cap), (0, 3));

        // Three bids spend the budget; a fourth goes as the first of the throttled pace.
        for i in 0..4 {
            client
                .place(&order(
                    &format!("b{i}"),
                    Side::Buy,
                    3000,
                    1000,
                    TimeInForce::PostOnly,
                ))
                .await
                .expect("within the budget or the throttled pace");
        }
        // The fifth is refused before it is sent, saying why.
        let refused = client
            .place(&order("b4", Side::Buy, 3000, 1000, TimeInForce::PostOnly))
            .await
            .expect_err("past the budget");
        let api = refused.api().expect("typed refusal");
        assert_eq!(api.code, ErrorCode::RateLimited);
        assert!(
            api.message.contains("address budget spent"),
            "{}",
            api.message
        );
        assert!(api.retry_after_ms.is_some_and(|ms| ms > 5_000), "{api:?}");
        // A cancel has more room: min(cap + 100 000, 2 cap).
        client
            .cancel(&sei(), &OrderRef::ClientOrderId(id("b3")))
            .await
            .expect("cancels fit past the cap");
        let reported: serde_json::Value = m
            .post(
                "/info",
                &serde_json::json!({"type": "userRateLimit", "user": m.master.address()}),
            )
            .await
            .bytes()
            .await
            .map(|b| serde_json::from_slice(&b).expect("json"))
            .expect("userRateLimit");
        assert_eq!(reported["nRequestsUsed"], 5, "{reported}");
        assert_eq!(reported["nRequestsCap"], 3, "{reported}");

        // The other account sells into our bids: 300 SEI at 0.3000 earns 90 requests.
        other
            .place(&order("s1", Side::Sell, 3000, 3000, TimeInForce::Ioc))
            .await
            .expect("the other account's sell");
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        client
            .place(&order("b5", Side::Buy, 3000, 1000, TimeInForce::PostOnly))
            .await
            .expect("volume earned more requests");
        let budget = client.address_budget();
        assert_eq!(budget.n_requests_cap, 93, "{budget:?}");
        assert_eq!(budget.n_requests_used, 6, "{budget:?}");
    })
    .await
    .expect("in time");
}
