//! Market data after every connect, stale books, the dead man's switch, rate limits.

use super::mock::*;
use flashmm_core::market_event::MarketEvent;

#[tokio::test]
async fn market_data_snapshots_after_every_connect() {
    let m = mock(generous()).await;
    let other = m.other().await;
    other
        .place(&order("mk-1", Side::Buy, 4200, 1000, TimeInForce::Gtc))
        .await
        .expect("bid");
    other
        .place(&order("mk-2", Side::Sell, 4300, 1000, TimeInForce::Gtc))
        .await
        .expect("ask");
    let data = HyperliquidVenue::connect(m.config(None), None, vec![spec()])
        .await
        .expect("public client");
    let mut events = data.subscribe(&[sei()]).await.expect("subscribe");
    let snap = next_matching(&mut events, "snapshot", |e| {
        matches!(e, VenueEvent::Market(MarketEvent::Snapshot(_)))
    })
    .await;
    let VenueEvent::Market(MarketEvent::Snapshot(snap)) = snap else {
        unreachable!()
    };
    assert_eq!(snap.bids.len(), 1);
    assert_eq!(snap.bids[0].price, Price::from_ticks(4200));
    // A change arrives as a delta.
    other
        .place(&order("mk-3", Side::Buy, 4250, 100, TimeInForce::Gtc))
        .await
        .expect("bid");
    let delta = next_matching(&mut events, "delta", |e| {
        matches!(e, VenueEvent::Market(MarketEvent::Delta(_)))
    })
    .await;
    let VenueEvent::Market(MarketEvent::Delta(delta)) = delta else {
        unreachable!()
    };
    assert!(delta.seq > snap.seq);
    assert_eq!(delta.bids[0].price, Price::from_ticks(4250));
    // A trade.
    // Another account takes it (an account does not trade with itself).
    m.client()
        .await
        .place(&order(
            "SEI-USDC-5-1",
            Side::Sell,
            4250,
            100,
            TimeInForce::Ioc,
        ))
        .await
        .expect("ioc");
    next_matching(
        &mut events,
        "trade",
        |e| matches!(e, VenueEvent::Market(MarketEvent::Trade(t)) if t.aggressor == Side::Sell),
    )
    .await;
    // Dropped by the venue: disconnected, reconnected, a fresh snapshot.
    m.post("/admin/faults", &serde_json::json!({"drop_ws": true}))
        .await;
    next_matching(&mut events, "disconnected", |e| {
        matches!(e, VenueEvent::Disconnected { .. })
    })
    .await;
    next_matching(&mut events, "connected", |e| {
        matches!(e, VenueEvent::Connected)
    })
    .await;
    let again = next_matching(&mut events, "snapshot", |e| {
        matches!(e, VenueEvent::Market(MarketEvent::Snapshot(_)))
    })
    .await;
    let VenueEvent::Market(MarketEvent::Snapshot(again)) = again else {
        unreachable!()
    };
    assert!(again.seq > delta.seq);
    assert_eq!(again.bids.len(), 1, "the IOC took the 4250 bid");
    // The REST snapshot agrees.
    let rest = data.snapshot(&sei()).await.expect("snapshot");
    assert_eq!(rest.bids, again.bids);
    assert_eq!(rest.asks, again.asks);
}

#[tokio::test]
async fn stale_books_reconnect() {
    let m = mock(generous()).await;
    let mut config = m.config(None);
    config.stale_after = Duration::from_millis(300);
    config.ping_interval = Duration::from_millis(100);
    let data = HyperliquidVenue::connect(config, None, vec![spec()])
        .await
        .expect("client");
    let mut events = data.subscribe(&[sei()]).await.expect("subscribe");
    next_matching(&mut events, "snapshot", |e| {
        matches!(e, VenueEvent::Market(MarketEvent::Snapshot(_)))
    })
    .await;
    // Nothing changes: no book for longer than stale_after, so the client resyncs.
    let lost = next_matching(&mut events, "stale", |e| {
        matches!(e, VenueEvent::Disconnected { .. })
    })
    .await;
    assert!(
        matches!(lost, VenueEvent::Disconnected { ref reason } if reason.contains("stale")),
        "{lost:?}"
    );
    next_matching(&mut events, "connected", |e| {
        matches!(e, VenueEvent::Connected)
    })
    .await;
    next_matching(&mut events, "snapshot", |e| {
        matches!(e, VenueEvent::Market(MarketEvent::Snapshot(_)))
    })
    .await;
}

#[tokio::test]
async fn schedule_cancel_fires_when_the_connection_is_lost() {
    let m = mock(generous()).await;
    let mut config = m.config(Some(m.master.address()));
    config.dead_man = Some(Duration::from_secs(6));
    config.dead_man_rearm = Duration::from_millis(500);
    let venue = HyperliquidVenue::connect(config, Some(m.agent.clone()), vec![spec()])
        .await
        .expect("client");
    let mut events = venue.account_events(&[sei()]).await.expect("events");
    next_matching(&mut events, "connected", |e| {
        matches!(e, VenueEvent::Connected)
    })
    .await;
    venue
        .place(&order(
            "SEI-USDC-3-1",
            Side::Buy,
            4000,
            100,
            TimeInForce::PostOnly,
        ))
        .await
        .expect("place");
    // Healthy for longer than the schedule: re-armed, the order stays.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(venue.open_orders(None).await.expect("open").len(), 1);
    assert_eq!(m.state.scheduled_cancels_fired(), 0);
    // The WebSocket goes down and stays down: re-arming stops and the schedule fires.
    m.post(
        "/admin/hyperliquid/outage",
        &serde_json::json!({"ws_ms": 20_000}),
    )
    .await;
    let start = Instant::now();
    loop {
        if venue.open_orders(None).await.expect("open").is_empty() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "orders not cancelled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        start.elapsed() > Duration::from_secs(3),
        "cancelled by the schedule, not at once"
    );
    assert_eq!(m.state.scheduled_cancels_fired(), 1);
    drop(events);
}

#[tokio::test]
async fn rate_limit_answers_back_off() {
    let m = mock(RateLimit {
        capacity: 3,
        refill_per_sec: 2,
    })
    .await;
    let mut config = m.config(Some(m.master.address()));
    config.backoff_min = Duration::from_millis(300);
    config.backoff_max = Duration::from_secs(2);
    let venue = HyperliquidVenue::connect(config, Some(m.agent.clone()), vec![spec()])
        .await
        .expect("client");
    let mut limited = None;
    for i in 0..6 {
        let r = venue
            .place(&order(
                &format!("SEI-USDC-4-{i}"),
                Side::Buy,
                4000 - i,
                100,
                TimeInForce::PostOnly,
            ))
            .await;
        if let Err(e) = r {
            limited = Some(e);
            break;
        }
    }
    let e = limited.expect("a rate-limit answer");
    let api = e.api().expect("typed");
    assert_eq!(api.code, ErrorCode::RateLimited);
    assert_eq!(api.retry_after_ms, Some(300));
    // The next request waits out the back-off instead of hammering.
    let start = Instant::now();
    venue.open_orders(None).await.expect("open");
    assert!(
        start.elapsed() >= Duration::from_millis(250),
        "{:?}",
        start.elapsed()
    );
}
