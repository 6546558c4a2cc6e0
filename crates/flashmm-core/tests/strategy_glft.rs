//! The GLFT model through the [`Quoter`]: symmetric when flat, skewed against inventory,
//! tighter when trades arrive more often, and the default model unchanged
//! (Avellaneda–Stoikov, which A does not enter).

use flashmm_core::book::{BookLevel, BookSnapshot, OrderBook};
use flashmm_core::identifiers::TradeId;
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::strategy::{
    AvellanedaStoikov, Glft, InventoryView, Quote, QuoteModel, QuoteParams, Quoter, RawQuoteParams,
};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use rust_decimal::Decimal;
use std::str::FromStr;

const MS: i64 = 1_000_000;
const NOW: UnixNanos = UnixNanos(1_000_000 * MS);
/// The mid of [`book`], in ticks: 1 bp is 4 ticks.
const MID: f64 = 40_001.0;

fn mkt() -> MarketId {
    MarketId::new("SEI/USDC").unwrap()
}

fn spec() -> MarketSpec {
    let d = |s: &str| Decimal::from_str(s).unwrap();
    MarketSpec::new(mkt(), d("0.0001"), d("0.1"), d("0"), d("0"), d("0")).unwrap()
}

fn book() -> OrderBook {
    let mut b = OrderBook::new(mkt());
    b.apply_snapshot(&BookSnapshot {
        market: mkt(),
        seq: 1,
        bids: vec![BookLevel::new(
            Price::from_ticks(40_000),
            Qty::from_lots(50),
        )],
        asks: vec![BookLevel::new(
            Price::from_ticks(40_002),
            Qty::from_lots(50),
        )],
        ts: UnixNanos(0),
    })
    .unwrap();
    b
}

/// Only the model's terms move the quotes: no widening, no min spread, no size or
/// inventory-share rules.
fn params(model: QuoteModel) -> RawQuoteParams {
    RawQuoteParams {
        model,
        stale_widen: 1.0,
        vol_widen: 0.0,
        min_spread_bps: 0.0,
        size_skew: 0.0,
        inventory_widen_bps: 0.0,
        levels: 1,
        ..RawQuoteParams::default()
    }
}

fn quoter(raw: RawQuoteParams) -> Quoter {
    Quoter::new(spec(), QuoteParams::validate(raw).unwrap()).unwrap()
}

fn inv(position_lots: i64) -> InventoryView {
    InventoryView {
        position_lots,
        traded_notional: Decimal::from(1_000_000),
    }
}

fn quote(q: &Quoter, position_lots: i64) -> Quote {
    q.quote(NOW, &book(), &inv(position_lots), None).unwrap()
}

/// The first bid's and ask's distances from the mid, in ticks.
fn depths(out: &Quote) -> (f64, f64) {
    (
        MID - out.target.bids[0].price.ticks() as f64,
        out.target.asks[0].price.ticks() as f64 - MID,
    )
}

/// Feeds `n` public buys 2 bps above the mid (κ = 1/2 per bps), `every_ms` apart.
fn feed_trades(q: &mut Quoter, n: i64, every_ms: i64) {
    let b = book();
    for i in 0..n {
        let ts = UnixNanos(i * every_ms * MS);
        let trade = Trade {
            market: mkt(),
            trade_id: TradeId::new(format!("t{i}")).unwrap(),
            price: Price::from_ticks(40_009),
            qty: Qty::from_lots(1),
            aggressor: Side::Buy,
            ts,
        };
        q.on_trade(ts, &trade, &b);
    }
}

#[test]
fn glft_flat_is_symmetric_with_the_closed_form() {
    let q = quoter(params(QuoteModel::Glft));
    let out = quote(&q, 0);
    let dg = out.diagnostics;
    assert_eq!(dg.model, QuoteModel::Glft);
    assert_eq!(
        (dg.a, dg.kappa, dg.sigma_bps),
        (1.0, 0.5, 2.0),
        "cold: defaults"
    );
    let want = Glft::compute(0.0, 0.1, 2.0, 1.0, 0.5);
    assert_eq!(dg.base_half_spread_bps, want.half_spread_bps);
    assert_eq!(dg.inventory_skew_bps, 0.0);
    let (bid, ask) = depths(&out);
    assert_eq!(bid, ask, "symmetric around the mid: {out:?}");
    let half_ticks = want.half_spread_bps * MID * 1e-4;
    assert_eq!(bid, half_ticks.ceil(), "bid = ⌊mid − δ⌋, the mid whole");
}

#[test]
fn glft_skews_against_inventory() {
    let q = quoter(params(QuoteModel::Glft));
    let flat = depths(&quote(&q, 0));
    // 20 lots = 2 base sizes long: both quotes move down, the bid furthest from the mid.
    let long = quote(&q, 20);
    let want = Glft::compute(2.0, 0.1, 2.0, 1.0, 0.5);
    assert_eq!(long.diagnostics.q, 2.0);
    assert_eq!(
        long.diagnostics.inventory_skew_bps,
        want.reservation_offset_bps
    );
    assert!(want.reservation_offset_bps < 0.0);
    let (bid, ask) = depths(&long);
    assert!(
        bid > flat.0 && ask < flat.1,
        "long {:?} vs flat {flat:?}",
        (bid, ask)
    );
    assert!(bid > ask, "the bid is the deeper side when long");
    let short = depths(&quote(&q, -20));
    assert!(
        short.0 < flat.0 && short.1 > flat.1,
        "short {short:?} vs flat {flat:?}"
    );
    assert_eq!(short, (ask, bid), "mirror images");
}

#[test]
fn glft_tightens_with_more_frequent_trades() {
    let mut slow = quoter(params(QuoteModel::Glft));
    let mut fast = quoter(params(QuoteModel::Glft));
    feed_trades(&mut slow, 50, 1_000);
    feed_trades(&mut fast, 50, 10);
    assert!(
        (slow.arrival_rate() - 1.0).abs() < 1e-9,
        "{}",
        slow.arrival_rate()
    );
    assert!(
        (fast.arrival_rate() - 100.0).abs() < 1e-6,
        "{}",
        fast.arrival_rate()
    );
    assert_eq!(slow.kappa(), fast.kappa(), "same distances, same κ");
    let (s, f) = (quote(&slow, 0), quote(&fast, 0));
    assert_eq!(f.diagnostics.a, fast.arrival_rate());
    assert!(f.diagnostics.base_half_spread_bps < s.diagnostics.base_half_spread_bps);
    let (sd, fd) = (depths(&s), depths(&f));
    assert!(fd.0 < sd.0 && fd.1 < sd.1, "fast {fd:?} vs slow {sd:?}");
    let (sl, fl) = (quote(&slow, 20), quote(&fast, 20));
    assert!(
        fl.diagnostics.inventory_skew_bps > sl.diagnostics.inventory_skew_bps,
        "less inventory skew when trades come often"
    );
}

#[test]
fn default_model_is_avellaneda_stoikov_and_ignores_a() {
    assert_eq!(
        RawQuoteParams::default().model,
        QuoteModel::AvellanedaStoikov
    );
    let explicit = params(QuoteModel::AvellanedaStoikov);
    let implicit = RawQuoteParams {
        model: QuoteModel::default(),
        ..explicit.clone()
    };
    let mut slow = quoter(implicit);
    let mut fast = quoter(explicit);
    feed_trades(&mut slow, 50, 1_000);
    feed_trades(&mut fast, 50, 10);
    assert!(fast.arrival_rate() > 10.0 * slow.arrival_rate());
    // Positions within the touch: r ± δ straddles the mid, so post-only never binds.
    for pos in [-7, 0, 3, 7] {
        let (s, f) = (quote(&slow, pos), quote(&fast, pos));
        assert_eq!(
            s.target, f.target,
            "A does not enter Avellaneda–Stoikov ({pos})"
        );
        let dg = s.diagnostics;
        assert_eq!(dg.model, QuoteModel::AvellanedaStoikov);
        let want = AvellanedaStoikov::compute(dg.q, 0.1, dg.sigma_bps, 10.0, dg.kappa);
        assert_eq!(dg.inventory_skew_bps, want.reservation_offset_bps);
        assert_eq!(dg.base_half_spread_bps, want.half_spread_bps);
        let bps = MID * 1e-4;
        let bid = (MID + (want.reservation_offset_bps - want.half_spread_bps) * bps).floor();
        let ask = (MID + (want.reservation_offset_bps + want.half_spread_bps) * bps).ceil();
        let got = (
            s.target.bids.first().map(|l| l.price.ticks() as f64),
            s.target.asks.first().map(|l| l.price.ticks() as f64),
        );
        assert_eq!(got, (Some(bid), Some(ask)), "position {pos}");
    }
}

#[test]
fn model_from_toml() {
    let p: QuoteParams = toml::from_str("model = \"glft\"\na_default = 5.0\n").unwrap();
    assert_eq!(
        (p.values().model, p.values().a_default),
        (QuoteModel::Glft, 5.0)
    );
    let q = quoter(p.values().clone());
    assert_eq!(quote(&q, 0).diagnostics.a, 5.0);
    assert!(toml::from_str::<QuoteParams>("model = \"stoikov\"").is_err());
    assert!(toml::from_str::<QuoteParams>("a_min = 0.0").is_err());
}
