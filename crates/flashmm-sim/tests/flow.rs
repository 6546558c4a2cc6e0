//! The synthetic flow: determinism, a living book, and flow that predicts price moves.

use flashmm_core::market::{MarketId, MarketSpec};
use flashmm_sim::account::{AccountId, Ledger};
use flashmm_sim::flow::{FlowAction, FlowAgent, FlowParams};
use flashmm_sim::matching::{EngineConfig, MatchingEngine, Report};
use rust_decimal::Decimal;
use std::str::FromStr;

use flashmm_core::time::NANOS_PER_SEC as SEC;

fn spec(symbol: &str, tick: &str, lot: &str) -> MarketSpec {
    let d = |s: &str| Decimal::from_str(s).unwrap();
    MarketSpec::new(
        MarketId::new(symbol).unwrap(),
        d(tick),
        d(lot),
        d("1"),
        d("-0.0001"),
        d("0.0005"),
    )
    .unwrap()
}

fn sei() -> MarketSpec {
    spec("SEI/USDC", "0.0001", "0.1")
}

fn setup(spec: MarketSpec, params: FlowParams, seed: u64) -> (MatchingEngine, Ledger, FlowAgent) {
    let mut ledger = Ledger::new();
    let engine = MatchingEngine::new(spec, EngineConfig::default(), &mut ledger).unwrap();
    let agent = FlowAgent::new(
        params,
        seed,
        AccountId(100),
        AccountId(101),
        &engine,
        &mut ledger,
        0,
    )
    .unwrap();
    (engine, ledger, agent)
}

fn record(seed: u64, seconds: i64) -> Vec<(i64, FlowAction, Report)> {
    let (mut engine, mut ledger, mut agent) = setup(sei(), FlowParams::sei_usdc(), seed);
    let mut out = Vec::new();
    agent.run_until(seconds * SEC, &mut engine, &mut ledger, |t, a, r| {
        out.push((t, a, r.clone()))
    });
    out
}

#[test]
fn same_seed_same_events() {
    let a = record(7, 60);
    let b = record(7, 60);
    assert!(
        a.len() > 2_000,
        "about 45 events per second, got {}",
        a.len()
    );
    assert_eq!(a, b);
    let c = record(8, 60);
    assert_ne!(a, c);
    assert!(
        a.windows(2).all(|w| w[0].0 <= w[1].0),
        "time never goes back"
    );
}

#[test]
fn book_stays_two_sided_uncrossed_and_near_the_latent_price() {
    let (mut engine, mut ledger, mut agent) = setup(sei(), FlowParams::sei_usdc(), 3);
    let (mut fills, mut markets) = (0, 0);
    agent.run_until(600 * SEC, &mut engine, &mut ledger, |_, a, r| {
        fills += r.trades.len();
        markets += matches!(a, FlowAction::Market { .. }) as usize;
    });
    assert!(
        markets > 1_000 && fills > markets,
        "{markets} markets, {fills} fills"
    );
    let snap = engine.snapshot();
    assert!(!snap.is_crossed());
    assert!(snap.bids.len() > 5 && snap.asks.len() > 5);
    let mid = (snap.bids[0].price.ticks() + snap.asks[0].price.ticks()) as f64 / 2.0;
    let latent = agent.latent().price() / 0.0001;
    assert!((mid - latent).abs() < 30.0, "mid {mid} latent {latent}");
    // The flow's own open orders match the engine's count and stay bounded by the cancels.
    let open = engine.open_orders(AccountId(100)).len();
    assert!(open > 50 && open < 1_000, "{open} open flow orders");
}

#[test]
fn signed_flow_predicts_the_next_mid_move() {
    let (mut engine, mut ledger, mut agent) = setup(sei(), FlowParams::sei_usdc(), 11);
    let mid = |e: &MatchingEngine| match (e.best_bid(), e.best_ask()) {
        (Some(b), Some(a)) => Some((b.price.ticks() + a.price.ticks()) as f64 / 2.0),
        _ => None,
    };
    agent.run_until(60 * SEC, &mut engine, &mut ledger, |_, _, _| {});
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for window in 0..600 {
        let start = 60 * SEC + window * 2 * SEC;
        let mut signed = 0i64;
        agent.run_until(start + SEC, &mut engine, &mut ledger, |_, a, r| {
            if let FlowAction::Market { side, .. } = a {
                signed += side.sign() * r.trades.iter().map(|t| t.qty.lots()).sum::<i64>();
            }
        });
        let before = mid(&engine);
        agent.run_until(start + 2 * SEC, &mut engine, &mut ledger, |_, _, _| {});
        if let (Some(m0), Some(m1)) = (before, mid(&engine)) {
            xs.push(signed as f64);
            ys.push(m1 - m0);
        }
    }
    let corr = correlation(&xs, &ys);
    assert!(corr > 0.1, "flow/next-move correlation {corr}");
}

#[test]
fn eth_preset_runs() {
    let (mut engine, mut ledger, mut agent) = setup(
        spec("ETH/USDC", "0.01", "0.0001"),
        FlowParams::eth_usdc(),
        5,
    );
    let mut trades = 0;
    agent.run_until(120 * SEC, &mut engine, &mut ledger, |_, _, r| {
        trades += r.trades.len()
    });
    let snap = engine.snapshot();
    assert!(trades > 100 && !snap.is_crossed());
    let mid = (snap.bids[0].price.ticks() + snap.asks[0].price.ticks()) as f64 / 200.0;
    assert!((mid - 3000.0).abs() < 150.0, "ETH mid {mid}");
}

fn correlation(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let vx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let vy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}
