//! `POST /exchange`: a signed action, checked as the venue checks it (the signer recovered
//! from the signature must be an account or an approved API wallet; the nonce must be new,
//! above the smallest of the signer's last 100 and within the venue's time window; the
//! action must not have expired), then carried out on the exchange.

use super::state::{HlState, NONCES_KEPT, NONCE_FUTURE_MS, NONCE_PAST_MS, SCHEDULE_MIN_MS};
use crate::state::now_ns;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use flashmm_core::identifiers::{ClientOrderId, VenueOrderId};
use flashmm_core::market::Side;
use flashmm_core::order::TimeInForce;
use flashmm_hyperliquid::exchange::{Filled, OkResponse, Resting, Status, Statuses};
use flashmm_hyperliquid::signing::recover_l1_signer;
use flashmm_hyperliquid::{
    Action, Address, Cloid, ExchangeRequest, ExchangeResponse, L1Context, OrderRef, OrderWire, Tif,
};
use flashmm_sim::account::AccountId;
use flashmm_venue::protocol::{
    ApiError, CancelRequest, ErrorCode, OrderAck, OrderRef as SimRef, OrderStatusWire,
    PlaceOrderRequest, ReplaceRequest,
};
use flashmm_venue::venue::hyperliquid::NOT_OPEN;
use rust_decimal::Decimal;
use std::str::FromStr;

fn err(message: impl Into<String>) -> Response {
    Json(ExchangeResponse::Err(message.into())).into_response()
}

fn ok(kind: &str, statuses: Option<Vec<Status>>) -> Response {
    Json(ExchangeResponse::Ok(OkResponse {
        kind: kind.to_owned(),
        data: statuses.map(|statuses| Statuses { statuses }),
    }))
    .into_response()
}

/// The UTC clock in ms.
pub fn now_ms() -> u64 {
    u64::try_from(now_ns() / 1_000_000).unwrap_or(0)
}

/// `POST /exchange`.
pub async fn exchange(State(state): State<HlState>, body: axum::body::Bytes) -> Response {
    let now = now_ms();
    if state.book().exchange_down_until > now_ns() {
        return (StatusCode::SERVICE_UNAVAILABLE, "outage").into_response();
    }
    let req: ExchangeRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Failed to deserialize the JSON body: {e}"),
            )
                .into_response()
        }
    };
    let ctx = L1Context {
        network: state.network(),
        vault: req.vault_address,
        expires_after: req.expires_after,
    };
    let Ok(signer) = recover_l1_signer(&req.action, req.nonce, &ctx, &req.signature) else {
        return err("Invalid signature");
    };
    let Some(master) = state.master_of(&signer) else {
        // A bad signature recovers some other address, which the venue does not know.
        metrics::counter!("sim_venue_hl_refused_total", "reason" => "signer").increment(1);
        return err(format!("User or API Wallet {signer} does not exist."));
    };
    if let Some(expiry) = req.expires_after {
        if expiry < now {
            return err(format!("Action expired at {expiry}, now {now}"));
        }
    }
    {
        let mut book = state.book();
        if book.limiter.check(master, now_ns(), 1).is_err() {
            metrics::counter!("sim_venue_hl_refused_total", "reason" => "rate_limit").increment(1);
            return (StatusCode::TOO_MANY_REQUESTS, "rate limited").into_response();
        }
        if let Err(reason) = check_nonce(&mut book.nonces, signer, req.nonce, now) {
            metrics::counter!("sim_venue_hl_refused_total", "reason" => "nonce").increment(1);
            return err(reason);
        }
    }
    let Some(account) = state.account(&master) else {
        return err(format!("User or API Wallet {master} does not exist."));
    };
    let (n, cancels_only) = flashmm_hyperliquid::budget::requests_of(&req.action);
    if let Err((t, volume)) = state.spend_budget(master, account, n, cancels_only, now) {
        metrics::counter!("sim_venue_hl_refused_total", "reason" => "address_budget").increment(1);
        return err(format!(
            "Too many cumulative requests sent ({} > {}) for cumulative volume traded ${}. \
             Place taker orders to free up 1 request per USDC traded.",
            t.used + n,
            t.cap,
            volume.round_dp(2)
        ));
    }
    match req.action {
        Action::Order { orders, .. } => {
            let statuses = orders
                .iter()
                .map(|o| place(&state, account, o, now))
                .collect();
            ok("order", Some(statuses))
        }
        Action::Cancel { cancels } => {
            let statuses = cancels
                .iter()
                .map(|c| {
                    let order = VenueOrderId::new(c.o.to_string()).map(SimRef::OrderId);
                    cancel(&state, account, c.a, order.ok())
                })
                .collect();
            ok("cancel", Some(statuses))
        }
        Action::CancelByCloid { cancels } => {
            let statuses = cancels
                .iter()
                .map(|c| {
                    cancel(
                        &state,
                        account,
                        c.asset,
                        Some(SimRef::ClientOrderId(cloid_id(&c.cloid))),
                    )
                })
                .collect();
            ok("cancel", Some(statuses))
        }
        Action::BatchModify { modifies } => {
            let statuses = modifies
                .iter()
                .map(|m| modify(&state, account, m.oid, &m.order, now))
                .collect();
            ok("order", Some(statuses))
        }
        Action::ScheduleCancel { time } => {
            let mut book = state.book();
            match time {
                Some(t) if t < now + SCHEDULE_MIN_MS => {
                    return err(
                        "Scheduled cancel time too early, must be at least 5 seconds from now.",
                    )
                }
                Some(t) => {
                    book.schedules.insert(master, t);
                }
                None => {
                    book.schedules.remove(&master);
                }
            }
            ok("default", None)
        }
    }
}

/// The venue's nonce rule: new, above the smallest of the signer's last 100, and within
/// (now - 2 days, now + 1 day).
fn check_nonce(
    nonces: &mut std::collections::HashMap<Address, std::collections::BTreeSet<u64>>,
    signer: Address,
    nonce: u64,
    now: u64,
) -> Result<(), String> {
    if nonce + NONCE_PAST_MS < now || nonce > now + NONCE_FUTURE_MS {
        return Err(format!(
            "Invalid nonce: {nonce} is outside the time window of {now}"
        ));
    }
    let used = nonces.entry(signer).or_default();
    if used.contains(&nonce) {
        return Err(format!("Invalid nonce: duplicate nonce {nonce}"));
    }
    if used.len() >= NONCES_KEPT && used.first().is_some_and(|&min| nonce <= min) {
        return Err(format!("Invalid nonce: {nonce} is too low"));
    }
    used.insert(nonce);
    while used.len() > NONCES_KEPT {
        used.pop_first();
    }
    Ok(())
}

/// The exchange's client order id of a cloid: its `0x` hex form.
pub fn cloid_id(cloid: &Cloid) -> ClientOrderId {
    ClientOrderId::new(cloid.to_string()).unwrap_or_else(|_| anonymous_id(0))
}

fn anonymous_id(n: u64) -> ClientOrderId {
    ClientOrderId::from_sequence("hl", n).unwrap_or_else(|_| cloid_id(&Cloid::new([0; 16])))
}

/// The cloid of an exchange client order id, when it is one.
pub fn id_cloid(id: &ClientOrderId) -> Option<Cloid> {
    id.as_str()
        .starts_with("0x")
        .then(|| Cloid::from_str(id.as_str()).ok())
        .flatten()
}

fn tif(t: &Tif) -> TimeInForce {
    match t {
        Tif::Alo => TimeInForce::PostOnly,
        Tif::Ioc => TimeInForce::Ioc,
        _ => TimeInForce::Gtc,
    }
}

/// Checks an order's asset, price and size against the venue's rules.
fn checked(
    state: &HlState,
    o: &OrderWire,
) -> Result<(flashmm_core::market::MarketId, Decimal, Decimal), String> {
    let coin = state
        .coin_of_asset(o.a)
        .ok_or_else(|| format!("Invalid asset {}", o.a))?;
    let price = Decimal::from_str(&o.p).map_err(|_| "Order has invalid price.".to_owned())?;
    let size = Decimal::from_str(&o.s).map_err(|_| "Order has invalid size.".to_owned())?;
    if !coin.rules.is_valid_price(price) {
        return Err("Order has invalid price.".to_owned());
    }
    if !coin.rules.is_valid_size(size) {
        return Err("Order has invalid size.".to_owned());
    }
    Ok((coin.market.clone(), price, size))
}

fn status_of(state: &HlState, result: Result<OrderAck, ApiError>, tif_: TimeInForce) -> Status {
    let ack = match result {
        Ok(ack) => ack,
        Err(e) => return Status::Error(refusal_text(&e)),
    };
    let u = &ack.order;
    let oid = u.order_id.as_str().parse::<u64>().unwrap_or(0);
    let cloid = id_cloid(&u.client_order_id);
    let _ = state;
    match u.status {
        OrderStatusWire::Open | OrderStatusWire::PartiallyFilled => {
            Status::Resting(Resting { oid, cloid })
        }
        OrderStatusWire::Rejected => Status::Error(match tif_ {
            TimeInForce::PostOnly => "Post only order would have immediately matched".to_owned(),
            _ => u
                .reason
                .clone()
                .unwrap_or_else(|| "Order rejected".to_owned()),
        }),
        _ if u.filled.is_zero() => Status::Error(
            "Order could not immediately match against any resting orders.".to_owned(),
        ),
        _ => {
            let notional: Decimal = ack.fills.iter().map(|f| f.price * f.size).sum();
            let avg_px = if u.filled.is_zero() {
                u.price
            } else {
                (notional / u.filled).normalize()
            };
            Status::Filled(Filled {
                total_sz: u.filled,
                avg_px,
                oid,
                cloid,
            })
        }
    }
}

fn refusal_text(e: &ApiError) -> String {
    match e.code {
        ErrorCode::DuplicateClientOrderId => "Duplicate cloid: an open order has it.".to_owned(),
        ErrorCode::UnknownOrder => NOT_OPEN.to_owned(),
        _ => match &e.reject {
            Some(flashmm_core::order::RejectReason::PostOnlyWouldTake) => {
                "Post only order would have immediately matched".to_owned()
            }
            Some(flashmm_core::order::RejectReason::InsufficientBalance { .. }) => {
                "Insufficient spot balance".to_owned()
            }
            _ => e.message.clone(),
        },
    }
}

fn place(state: &HlState, account: AccountId, o: &OrderWire, now: u64) -> Status {
    let (market, price, size) = match checked(state, o) {
        Ok(v) => v,
        Err(e) => return Status::Error(e),
    };
    let client_order_id = match &o.c {
        Some(c) => cloid_id(c),
        None => {
            let mut book = state.book();
            book.next_anonymous += 1;
            anonymous_id(book.next_anonymous)
        }
    };
    let t = tif(&o.t.limit.tif);
    let req = PlaceOrderRequest {
        market,
        client_order_id,
        side: if o.b { Side::Buy } else { Side::Sell },
        price,
        size,
        tif: t,
    };
    let ns = i64::try_from(now)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000);
    let result = state
        .app
        .with_exchange(|ex, out| ex.place(account, &req, ns, out));
    status_of(state, result, t)
}

fn cancel(
    state: &HlState,
    account: AccountId,
    asset: flashmm_hyperliquid::Asset,
    order: Option<SimRef>,
) -> Status {
    let (Some(coin), Some(order)) = (state.coin_of_asset(asset), order) else {
        return Status::Error(NOT_OPEN.to_owned());
    };
    let req = CancelRequest {
        market: coin.market.clone(),
        order,
    };
    let now = now_ns();
    match state
        .app
        .with_exchange(|ex, out| ex.cancel(account, &req, now, out))
    {
        Ok(ack) if ack.order.status == OrderStatusWire::Cancelled => Status::Success,
        Ok(_) => Status::Error(NOT_OPEN.to_owned()),
        Err(_) => Status::Error(NOT_OPEN.to_owned()),
    }
}

fn modify(
    state: &HlState,
    account: AccountId,
    target: OrderRef,
    o: &OrderWire,
    now: u64,
) -> Status {
    let (market, price, size) = match checked(state, o) {
        Ok(v) => v,
        Err(e) => return Status::Error(e),
    };
    let order = match target {
        OrderRef::Oid(oid) => match VenueOrderId::new(oid.to_string()) {
            Ok(id) => SimRef::OrderId(id),
            Err(_) => return Status::Error(NOT_OPEN.to_owned()),
        },
        OrderRef::Cloid(c) => SimRef::ClientOrderId(cloid_id(&c)),
    };
    let req = ReplaceRequest {
        market,
        order,
        price,
        size,
        new_client_order_id: o.c.as_ref().map(cloid_id),
    };
    let ns = i64::try_from(now)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000);
    let result = state
        .app
        .with_exchange(|ex, out| ex.replace(account, &req, ns, out));
    status_of(state, result, tif(&o.t.limit.tif))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn nonces_follow_the_venue_rule() {
        let mut nonces = HashMap::new();
        let who = Address::ZERO;
        let now = 1_700_000_000_000;
        assert!(check_nonce(&mut nonces, who, now, now).is_ok());
        assert!(check_nonce(&mut nonces, who, now, now).is_err(), "repeated");
        assert!(
            check_nonce(&mut nonces, who, now - NONCE_PAST_MS - 1, now).is_err(),
            "stale"
        );
        assert!(check_nonce(&mut nonces, who, now + NONCE_FUTURE_MS + 1, now).is_err());
        for i in 1..=100 {
            assert!(check_nonce(&mut nonces, who, now + i, now).is_ok());
        }
        // The 100 kept are now+1..=now+100: anything at or below now+1 is too low.
        assert!(
            check_nonce(&mut nonces, who, now - 5, now).is_err(),
            "below the window"
        );
        assert!(check_nonce(&mut nonces, who, now + 101, now).is_ok());
    }
}
