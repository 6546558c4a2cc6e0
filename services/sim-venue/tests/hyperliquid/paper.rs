//! Paper trading on Hyperliquid's book (`--follow hyperliquid`): a simulator whose market
//! follows the mock venue's public feed shows the venue's book after its first snapshot, after
//! each change and after a dropped connection.

use super::mock::*;
use sim_venue::{AppState, ServerOptions};

/// The paper simulator's best bid and ask, in ticks.
fn touch(state: &AppState) -> (Option<i64>, Option<i64>) {
    let snap = state.with_exchange(|ex, _| ex.snapshot(&sei(), 0).expect("snapshot"));
    let ticks = |l: Option<&flashmm_venue::protocol::WireLevel>| {
        l.and_then(|l| spec().price_from_decimal(l.price).ok())
            .map(|p| p.ticks())
    };
    (ticks(snap.bids.first()), ticks(snap.asks.first()))
}

async fn wait_touch(state: &AppState, want: (i64, i64), what: &str) {
    let deadline = Instant::now() + LIMIT;
    while touch(state) != (Some(want.0), Some(want.1)) {
        assert!(
            Instant::now() < deadline,
            "{what}: the paper book shows {:?}, the venue {want:?}",
            touch(state)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_paper_market_follows_the_venues_book_through_a_reconnect() {
    let m = mock(generous()).await;
    let other = m.other().await;
    for (cid, side, ticks) in [("mk-1", Side::Buy, 4200), ("mk-2", Side::Sell, 4300)] {
        other
            .place(&order(cid, side, ticks, 1000, TimeInForce::Gtc))
            .await
            .expect("resting order");
    }
    let mut paper = quiet_exchange();
    paper.attach_follow(&sei()).expect("follow");
    let state = AppState::new(paper, ServerOptions::default());
    let feed = sim_venue::follow::hyperliquid(m.config(None), vec![spec()])
        .await
        .expect("the venue's feed");
    let _task = sim_venue::follow::spawn_venue(state.clone(), feed);
    wait_touch(&state, (4200, 4300), "first snapshot").await;
    other
        .place(&order("mk-3", Side::Buy, 4250, 100, TimeInForce::Gtc))
        .await
        .expect("better bid");
    wait_touch(&state, (4250, 4300), "a new best bid").await;
    // Dropped by the venue: the feed reconnects and resyncs from a fresh snapshot.
    m.post("/admin/faults", &serde_json::json!({"drop_ws": true}))
        .await;
    other
        .cancel(&sei(), &OrderRef::ClientOrderId(id("mk-3")))
        .await
        .expect("cancel");
    wait_touch(&state, (4200, 4300), "after the reconnect").await;
}
