//! Orders by cloid, signatures, nonces and API wallets.

use super::mock::*;

#[tokio::test]
async fn orders_by_cloid_fill_and_map_back_after_a_restart() {
    let m = mock(generous()).await;
    let venue = m.client().await;
    assert_eq!(venue.user(), Some(m.master.address()));
    assert_eq!(venue.signer_address(), Some(m.agent.address()));
    assert_eq!(venue.hl_markets()[0].asset, Asset(10_000));
    let mut events = venue.account_events(&[sei()]).await.expect("events");
    next_matching(&mut events, "connected", |e| {
        matches!(e, VenueEvent::Connected)
    })
    .await;

    // Resting post-only bid: 0.4200 for 100.0.
    let placed = venue
        .place(&order(
            "SEI-USDC-1-1",
            Side::Buy,
            4200,
            1000,
            TimeInForce::PostOnly,
        ))
        .await
        .expect("place");
    assert_eq!(placed.status, OrderStatus::Open);
    assert_eq!(placed.price, Price::from_ticks(4200));
    let open = venue.open_orders(None).await.expect("open");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].client_id, id("SEI-USDC-1-1"));
    assert_eq!(open[0].leaves, Qty::from_lots(1000));

    // The same cloid again is refused while the order is open.
    let dup = venue
        .place(&order(
            "SEI-USDC-1-1",
            Side::Buy,
            4100,
            1000,
            TimeInForce::PostOnly,
        ))
        .await
        .expect_err("duplicate cloid");
    assert_eq!(
        dup.api().map(|a| a.code),
        Some(ErrorCode::DuplicateClientOrderId)
    );

    // Modify by cloid into a new cloid (batchModify).
    let moved = venue
        .cancel_replace(&ReplaceOrder {
            market: sei(),
            order: OrderRef::ClientOrderId(id("SEI-USDC-1-1")),
            price: Price::from_ticks(4210),
            qty: Qty::from_lots(500),
            new_client_id: Some(id("SEI-USDC-1-2")),
        })
        .await
        .expect("modify");
    assert_eq!(moved.client_id, id("SEI-USDC-1-2"));
    let open = venue.open_orders(Some(&sei())).await.expect("open");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].client_id, id("SEI-USDC-1-2"));
    assert_eq!(open[0].price, Price::from_ticks(4210));

    // Another account sells into it: the fill arrives on the stream under FlashMM's id.
    let other = m.other().await;
    let taken = other
        .place(&order("taker-1", Side::Sell, 4210, 200, TimeInForce::Ioc))
        .await
        .expect("ioc");
    assert_eq!(taken.status, OrderStatus::Filled);
    let fill = next_matching(&mut events, "fill", |e| matches!(e, VenueEvent::Fill(_))).await;
    let VenueEvent::Fill(fill) = fill else {
        unreachable!()
    };
    assert_eq!(fill.client_id, id("SEI-USDC-1-2"));
    assert_eq!(fill.qty, Qty::from_lots(200));
    assert_eq!(fill.price, Price::from_ticks(4210));
    assert_eq!(fill.side, Side::Buy);
    let history = venue.fills(0).await.expect("fills");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].trade_id, fill.trade_id);
    let balances = venue.balances().await.expect("balances");
    let sei_balance = balances.iter().find(|b| b.asset == "SEI").expect("SEI");
    assert_eq!(sei_balance.available + sei_balance.reserved, d("100020"));

    // A restart: a fresh client knows no cloid until told the ids it may have sent.
    let restarted = m.client().await;
    let open = restarted.open_orders(None).await.expect("open");
    let cloid = Cloid::from_client_order_id(&id("SEI-USDC-1-2"));
    assert_eq!(open[0].client_id.as_str(), cloid.to_string());
    restarted.recall(&[id("SEI-USDC-1-2")]);
    let open = restarted.open_orders(None).await.expect("open");
    assert_eq!(open[0].client_id, id("SEI-USDC-1-2"));
    assert_eq!(
        restarted.fills(0).await.expect("fills")[0].client_id,
        id("SEI-USDC-1-2")
    );

    // Cancel by cloid; a second cancel is refused as the venue refuses an unknown order.
    let cancelled = restarted
        .cancel(&sei(), &OrderRef::ClientOrderId(id("SEI-USDC-1-2")))
        .await
        .expect("cancel");
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    let again = restarted
        .cancel(&sei(), &OrderRef::ClientOrderId(id("SEI-USDC-1-2")))
        .await
        .expect_err("unknown cloid");
    assert_eq!(again.api().map(|a| a.code), Some(ErrorCode::UnknownOrder));
    assert!(venue.open_orders(None).await.expect("open").is_empty());

    // cancel_all cancels by venue id what the listing shows.
    for i in 0..3 {
        venue
            .place(&order(
                &format!("SEI-USDC-1-{}", 10 + i),
                Side::Sell,
                4300 + i,
                100,
                TimeInForce::Gtc,
            ))
            .await
            .expect("place");
    }
    let all = venue.cancel_all(None).await.expect("cancel all");
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|r| r.status == OrderStatus::Cancelled));
    assert!(venue.open_orders(None).await.expect("open").is_empty());
}

#[tokio::test]
async fn refuses_unknown_signers_bad_signatures_and_reused_nonces() {
    let m = mock(generous()).await;
    // A key that is neither an account nor an approved API wallet.
    let stranger = HyperliquidVenue::connect(
        m.config(Some(m.master.address())),
        Some(key(42)),
        vec![spec()],
    )
    .await
    .expect("connect");
    let e = stranger
        .place(&order("x-1", Side::Buy, 4000, 100, TimeInForce::Gtc))
        .await
        .expect_err("unknown signer");
    assert_eq!(e.api().map(|a| a.code), Some(ErrorCode::UnknownKey));

    let ctx = L1Context::new(Network::Testnet);
    let action = Action::cancel_by_cloid(vec![CancelByCloidWire {
        asset: Asset(10_000),
        cloid: Cloid::new([3; 16]),
    }]);
    let nonce = u64::try_from(sim_venue::now_ns() / 1_000_000).expect("ms");
    let signature = m.agent.sign_l1_action(&action, nonce, &ctx).expect("sign");
    let request = ExchangeRequest {
        action: action.clone(),
        nonce,
        signature,
        vault_address: None,
        expires_after: None,
    };
    let read = |r: reqwest::Response| async move {
        let bytes = r.bytes().await.expect("body");
        serde_json::from_slice::<ExchangeResponse>(&bytes).expect("response")
    };
    // Well signed, for an unknown cloid: processed, and that cancel refused.
    let first = read(m.post("/exchange", &request).await).await;
    assert!(
        matches!(&first.statuses()[0], flashmm_hyperliquid::exchange::Status::Error(s) if s.contains("never placed")),
        "{first:?}"
    );
    // The same nonce again: refused as a whole.
    let replay = read(m.post("/exchange", &request).await).await;
    assert!(
        matches!(&replay, ExchangeResponse::Err(s) if s.contains("nonce")),
        "{replay:?}"
    );
    // A nonce two days old.
    let stale = ExchangeRequest {
        nonce: nonce - 3 * 24 * 3600 * 1000,
        signature: m
            .agent
            .sign_l1_action(&action, nonce - 3 * 24 * 3600 * 1000, &ctx)
            .expect("sign"),
        ..request.clone()
    };
    let stale = read(m.post("/exchange", &stale).await).await;
    assert!(
        matches!(&stale, ExchangeResponse::Err(s) if s.contains("nonce")),
        "{stale:?}"
    );
    // Signed for mainnet, or over another nonce: recovers someone else.
    let mainnet = ExchangeRequest {
        nonce: nonce + 1,
        signature: m
            .agent
            .sign_l1_action(&action, nonce + 1, &L1Context::new(Network::Mainnet))
            .expect("sign"),
        ..request.clone()
    };
    let refused = read(m.post("/exchange", &mainnet).await).await;
    assert!(
        matches!(&refused, ExchangeResponse::Err(s) if s.contains("does not exist")),
        "{refused:?}"
    );
    let tampered = ExchangeRequest {
        nonce: nonce + 2,
        ..request.clone()
    };
    let refused = read(m.post("/exchange", &tampered).await).await;
    assert!(
        matches!(&refused, ExchangeResponse::Err(s) if s.contains("does not exist")),
        "{refused:?}"
    );

    // A price with six significant figures breaks the venue's rule; the client rounds a
    // passive quote instead (a bid down, an ask up) and reports the venue's price.
    let venue = m.client().await;
    let bid = venue
        .place(&order(
            "SEI-USDC-2-1",
            Side::Buy,
            123_456,
            100,
            TimeInForce::PostOnly,
        ))
        .await
        .expect("bid");
    assert_eq!(bid.price, Price::from_ticks(123_450));
    let ask = venue
        .place(&order(
            "SEI-USDC-2-2",
            Side::Sell,
            123_456,
            100,
            TimeInForce::PostOnly,
        ))
        .await
        .expect("ask");
    assert_eq!(ask.price, Price::from_ticks(123_460));
    // Post-only that would cross is refused.
    let crossing = venue
        .place(&order(
            "SEI-USDC-2-3",
            Side::Buy,
            123_460,
            100,
            TimeInForce::PostOnly,
        ))
        .await
        .expect_err("crossing ALO");
    assert_eq!(crossing.api().map(|a| a.code), Some(ErrorCode::Rejected));
    // Role of the API wallet.
    let role = venue.user_role(m.agent.address()).await.expect("role");
    assert_eq!(role["role"], "agent");
}
