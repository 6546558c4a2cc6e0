//! `POST /info`: `meta`, `spotMeta`, `l2Book`, `openOrders` / `frontendOpenOrders`,
//! `userFills` / `userFillsByTime`, `spotClearinghouseState`, `clearinghouseState`,
//! `userRole`, `userRateLimit`, `userFees`, in the venue's shapes.

use super::exchange::id_cloid;
use super::state::{sz_decimals, Coin, HlState};
use crate::state::now_ns;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use flashmm_core::market::Side;
use flashmm_core::order::Liquidity;
use flashmm_hyperliquid::info::{self, L2Book, Level, OpenOrder, SpotBalance};
use flashmm_hyperliquid::{Address, AssetKind};
use flashmm_sim::account::AccountId;
use flashmm_venue::protocol::{FillMsg, OrderUpdateMsg, WireLevel};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// Levels per side of a book answer, as the venue sends.
pub const BOOK_DEPTH: usize = 20;

fn bad(message: impl Into<String>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, message.into()).into_response()
}

fn side(s: Side) -> info::Side {
    match s {
        Side::Buy => info::Side::Bid,
        Side::Sell => info::Side::Ask,
    }
}

/// UTC ns to ms.
pub fn ms(ns: i64) -> u64 {
    u64::try_from(ns / 1_000_000).unwrap_or(0)
}

fn levels(ls: &[WireLevel]) -> Vec<Level> {
    ls.iter()
        .take(BOOK_DEPTH)
        .map(|l| Level {
            px: l.price,
            sz: l.size,
            n: 1,
        })
        .collect()
}

/// The book of `coin` now.
pub fn book(state: &HlState, coin: &Coin) -> Option<L2Book> {
    let now = now_ns();
    let snap = state
        .app
        .with_exchange(|ex, _| ex.snapshot(&coin.market, now))
        .ok()?;
    Some(L2Book {
        coin: coin.name.clone(),
        levels: [levels(&snap.bids), levels(&snap.asks)],
        time: ms(now),
    })
}

/// An order update of the exchange as an open order of the venue.
pub fn open_order(coin: &Coin, u: &OrderUpdateMsg) -> OpenOrder {
    OpenOrder {
        coin: coin.name.clone(),
        side: side(u.side),
        limit_px: u.price,
        sz: u.remaining,
        oid: u.order_id.as_str().parse().unwrap_or(0),
        timestamp: ms(u.ts),
        orig_sz: Some(u.size),
        cloid: id_cloid(&u.client_order_id),
    }
}

/// A fill of the exchange as the venue's.
pub fn fill(coin: &Coin, f: &FillMsg) -> info::Fill {
    info::Fill {
        coin: coin.name.clone(),
        px: f.price,
        sz: f.size,
        side: side(f.side),
        time: ms(f.ts),
        start_position: Decimal::ZERO,
        dir: match f.side {
            Side::Buy => "Buy".to_owned(),
            Side::Sell => "Sell".to_owned(),
        },
        closed_pnl: Decimal::ZERO,
        hash: format!("0x{:064x}", f.trade_id.parse::<u64>().unwrap_or(0)),
        oid: f.order_id.as_str().parse().unwrap_or(0),
        crossed: f.liquidity == Liquidity::Taker,
        fee: f.fee,
        tid: f.trade_id.parse().ok(),
        fee_token: Some(f.fee_asset.clone()),
        builder_fee: None,
        cloid: id_cloid(&f.client_order_id),
    }
}

/// `clearinghouseState` of `account`: a one-way position per perp it holds (cross, 1x, valued
/// at the book's mid), margin summaries over them.
fn clearinghouse(state: &HlState, account: Option<AccountId>) -> info::ClearinghouseState {
    let mut positions = Vec::new();
    let mut notional = Decimal::ZERO;
    for coin in state.coins().iter().filter(|c| c.kind == AssetKind::Perp) {
        let Some(account) = account else { break };
        let szi = state.perp_position(account, coin);
        if szi.is_zero() {
            continue;
        }
        let mid = book(state, coin)
            .and_then(|b| Some((b.levels[0].first()?.px + b.levels[1].first()?.px) / Decimal::TWO))
            .unwrap_or_default();
        let value = szi.abs() * mid;
        notional += value;
        positions.push(info::AssetPosition {
            kind: "oneWay".to_owned(),
            position: info::Position {
                coin: coin.name.clone(),
                szi,
                entry_px: None,
                leverage: info::Leverage::Cross { value: 1 },
                liquidation_px: None,
                margin_used: value,
                position_value: value,
                return_on_equity: Decimal::ZERO,
                unrealized_pnl: Decimal::ZERO,
            },
        });
    }
    let summary = info::MarginSummary {
        account_value: notional,
        total_margin_used: notional,
        total_ntl_pos: notional,
        total_raw_usd: Decimal::ZERO,
    };
    info::ClearinghouseState {
        asset_positions: positions,
        margin_summary: summary.clone(),
        cross_margin_summary: summary,
        cross_maintenance_margin_used: Some(Decimal::ZERO),
        withdrawable: Decimal::ZERO,
        time: Some(ms(now_ns())),
    }
}

fn user(req: &Value) -> Option<Address> {
    req.get("user")?.as_str()?.parse().ok()
}

/// The account's fills from `start_ms` on, oldest first.
pub fn fills_from(state: &HlState, who: &Address, start_ms: u64) -> Vec<info::Fill> {
    let Some(account) = state.account(who) else {
        return Vec::new();
    };
    let since = i64::try_from(start_ms)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000)
        .saturating_sub(1);
    let fills = state
        .app
        .with_exchange(|ex, _| ex.fills_since(account, since).fills);
    fills
        .iter()
        .filter_map(|f| {
            let coin = state.coins().iter().find(|c| c.market == f.market)?;
            Some(fill(coin, f))
        })
        .collect()
}

/// `POST /info`.
pub async fn info(State(state): State<HlState>, Json(req): Json<Value>) -> Response {
    let kind = req.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "meta" => {
            let universe: Vec<Value> = state
                .coins()
                .iter()
                .filter(|c| c.kind == AssetKind::Perp)
                .map(|c| json!({"name": c.name, "szDecimals": sz_decimals(&c.spec), "maxLeverage": 50}))
                .collect();
            Json(json!({"universe": universe})).into_response()
        }
        "spotMeta" => {
            let tokens: Vec<Value> = state
                .tokens()
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let sz = state
                        .coins()
                        .iter()
                        .find(|c| c.spec.id().base() == name)
                        .map_or(8, |c| sz_decimals(&c.spec));
                    json!({"name": name, "szDecimals": sz, "weiDecimals": 8, "index": i,
                           "tokenId": format!("0x{i:032x}"), "isCanonical": true})
                })
                .collect();
            let index_of = |t: &str| state.tokens().iter().position(|x| x == t).unwrap_or(0);
            let universe: Vec<Value> = state
                .coins()
                .iter()
                .filter(|c| c.kind == AssetKind::Spot)
                .map(|c| {
                    json!({"name": c.name, "tokens": [index_of(c.spec.id().base()), index_of(c.spec.id().quote())],
                           "index": c.index, "isCanonical": true})
                })
                .collect();
            Json(json!({"tokens": tokens, "universe": universe})).into_response()
        }
        "l2Book" => {
            let coin = req.get("coin").and_then(Value::as_str).unwrap_or("");
            match state.coin(coin).and_then(|c| book(&state, c)) {
                Some(b) => Json(b).into_response(),
                None => Json(Value::Null).into_response(),
            }
        }
        "openOrders" | "frontendOpenOrders" => {
            let Some(account) = user(&req).and_then(|u| state.account(&u)) else {
                return Json(json!([])).into_response();
            };
            let now = now_ns();
            let listed = state
                .app
                .with_exchange(|ex, _| ex.open_orders(account, None, now))
                .map(|r| r.orders)
                .unwrap_or_default();
            let orders: Vec<OpenOrder> = listed
                .iter()
                .filter_map(|u| {
                    let coin = state.coins().iter().find(|c| c.market == u.market)?;
                    Some(open_order(coin, u))
                })
                .collect();
            Json(orders).into_response()
        }
        "userFills" | "userFillsByTime" => {
            let Some(who) = user(&req) else {
                return bad("user missing");
            };
            let start = req.get("startTime").and_then(Value::as_u64).unwrap_or(0);
            let end = req
                .get("endTime")
                .and_then(Value::as_u64)
                .unwrap_or(u64::MAX);
            let mut fills = fills_from(&state, &who, start);
            fills.retain(|f| f.time <= end);
            fills.truncate(2000);
            Json(fills).into_response()
        }
        "spotClearinghouseState" => {
            let Some(account) = user(&req).and_then(|u| state.account(&u)) else {
                return Json(json!({"balances": []})).into_response();
            };
            let balances = state
                .app
                .with_exchange(|ex, _| ex.balances(account).balances);
            // A perp's base is not a token: its fills are the perp's position.
            let balances: Vec<SpotBalance> = balances
                .iter()
                .filter(|b| state.tokens().contains(&b.asset))
                .map(|b| SpotBalance {
                    coin: b.asset.clone(),
                    token: u32::try_from(
                        state
                            .tokens()
                            .iter()
                            .position(|t| *t == b.asset)
                            .unwrap_or(0),
                    )
                    .unwrap_or(0),
                    hold: b.reserved,
                    total: b.available + b.reserved,
                    entry_ntl: None,
                })
                .collect();
            Json(json!({"balances": balances})).into_response()
        }
        "clearinghouseState" => {
            let account = user(&req).and_then(|u| state.account(&u));
            Json(clearinghouse(&state, account)).into_response()
        }
        "userRateLimit" => {
            let Some(who) = user(&req) else {
                return bad("user missing");
            };
            let Some(account) = state.account(&who) else {
                return Json(json!({"cumVlm": "0.0", "nRequestsUsed": 0, "nRequestsCap": 10000}))
                    .into_response();
            };
            Json(state.user_rate_limit(who, account)).into_response()
        }
        "userFees" => {
            if user(&req).is_none() {
                return bad("user missing");
            }
            Json(user_fees(&state)).into_response()
        }
        "userRole" => {
            let Some(who) = user(&req) else {
                return bad("user missing");
            };
            let role = if state.account(&who).is_some() {
                json!({"role": "user"})
            } else if let Some(master) = state.master_of(&who) {
                json!({"role": "agent", "data": {"user": master}})
            } else {
                json!({"role": "missing"})
            };
            Json(role).into_response()
        }
        other => bad(format!(
            "Failed to deserialize the JSON body: unknown type `{other}`"
        )),
    }
}

/// `userFees`: the rates the simulator charges (each market's spec), the first perp's and the
/// first pair's, as every account's; no referral discount.
fn user_fees(state: &HlState) -> serde_json::Value {
    let rates = |kind: AssetKind| {
        state
            .coins()
            .iter()
            .find(|c| c.kind == kind)
            .map_or((Decimal::ZERO, Decimal::ZERO), |c| {
                (c.spec.maker_fee_rate(), c.spec.taker_fee_rate())
            })
    };
    let (perp_add, perp_cross) = rates(AssetKind::Perp);
    let (spot_add, spot_cross) = rates(AssetKind::Spot);
    json!({
        "dailyUserVlm": [],
        "userCrossRate": perp_cross.to_string(),
        "userAddRate": perp_add.to_string(),
        "userSpotCrossRate": spot_cross.to_string(),
        "userSpotAddRate": spot_add.to_string(),
        "activeReferralDiscount": "0.0",
    })
}
