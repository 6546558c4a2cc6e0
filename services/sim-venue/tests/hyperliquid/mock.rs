//! The Hyperliquid mock on loopback and the helpers the tests share.

pub(crate) use flashmm_core::identifiers::ClientOrderId;
pub(crate) use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
pub(crate) use flashmm_core::order::{OrderStatus, TimeInForce};
pub(crate) use flashmm_hyperliquid::{
    Action, Address, Asset, CancelByCloidWire, Cloid, ExchangeRequest, ExchangeResponse, L1Context,
    Network, Signer,
};
pub(crate) use flashmm_sim::exchange::{Exchange, ExchangeConfig, MarketSetup};
pub(crate) use flashmm_sim::ratelimit::RateLimit;
pub(crate) use flashmm_venue::protocol::ErrorCode;
pub(crate) use flashmm_venue::venue::{
    EventStream, HyperliquidConfig, HyperliquidVenue, NewOrder, OrderRef, ReplaceOrder, Venue,
    VenueEvent,
};
pub(crate) use rust_decimal::Decimal;
pub(crate) use sim_venue::hyperliquid::start::{self, Setup};
pub(crate) use sim_venue::hyperliquid::HlState;
pub(crate) use std::net::SocketAddr;
pub(crate) use std::str::FromStr;
pub(crate) use std::time::Duration;
pub(crate) use tokio::time::{timeout, Instant};

pub(crate) const LIMIT: Duration = Duration::from_secs(20);

pub(crate) fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

pub(crate) fn sei() -> MarketId {
    MarketId::new("SEI/USDC").expect("market")
}

pub(crate) fn spec() -> MarketSpec {
    flashmm_core::market::fixture::sei_usdc_with_fees()
}

pub(crate) fn key(byte: u8) -> Signer {
    Signer::from_bytes([byte; 32]).expect("key")
}

pub(crate) fn id(s: &str) -> ClientOrderId {
    ClientOrderId::new(s).expect("id")
}

pub(crate) struct Mock {
    pub(crate) addr: SocketAddr,
    pub(crate) state: HlState,
    pub(crate) master: Signer,
    pub(crate) agent: Signer,
    pub(crate) other: Signer,
}

pub(crate) async fn mock(rate: RateLimit) -> Mock {
    mock_with(rate, 10_000).await
}

/// [`mock`] where every address may send `initial_requests` before its volume earns more.
pub(crate) async fn mock_with(rate: RateLimit, initial_requests: u64) -> Mock {
    let (master, agent, other) = (key(7), key(8), key(9));
    let exchange = quiet_exchange();
    let setup = Setup {
        network: Network::Testnet,
        accounts: vec![master.address(), other.address()],
        agents: vec![(agent.address(), master.address())],
        funds: d("100000"),
        rate_limit: rate,
        seed: 1,
        perps: Vec::new(),
        initial_requests,
    };
    let state = start::state(exchange, &setup).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let serve_state = state.clone();
    tokio::spawn(async move {
        let _ = sim_venue::hyperliquid::serve(listener, serve_state, std::future::pending()).await;
    });
    sim_venue::hyperliquid::spawn_schedules(state.clone(), Duration::from_millis(50));
    Mock {
        addr,
        state,
        master,
        agent,
        other,
    }
}

/// A simulator of SEI/USDC with no background flow: only what the tests send trades there.
pub(crate) fn quiet_exchange() -> Exchange {
    Exchange::new(
        vec![MarketSetup {
            spec: spec(),
            flow: None,
        }],
        ExchangeConfig::default(),
        sim_venue::now_ns(),
    )
    .expect("exchange")
}

pub(crate) fn generous() -> RateLimit {
    RateLimit {
        capacity: 1000,
        refill_per_sec: 1000,
    }
}

impl Mock {
    pub(crate) fn config(&self, account: Option<Address>) -> HyperliquidConfig {
        let mut c = HyperliquidConfig::new(
            Network::Testnet,
            format!("http://{}", self.addr),
            format!("ws://{}/ws", self.addr),
        );
        c.account = account;
        c.backoff_min = Duration::from_millis(20);
        c.backoff_max = Duration::from_millis(200);
        c.dead_man = None;
        c
    }

    /// The trading client: the API wallet signs for the master account.
    pub(crate) async fn client(&self) -> HyperliquidVenue {
        HyperliquidVenue::connect(
            self.config(Some(self.master.address())),
            Some(self.agent.clone()),
            vec![spec()],
        )
        .await
        .expect("connect")
    }

    /// Another account, trading with its own key.
    pub(crate) async fn other(&self) -> HyperliquidVenue {
        HyperliquidVenue::connect(self.config(None), Some(self.other.clone()), vec![spec()])
            .await
            .expect("connect")
    }

    pub(crate) async fn post(&self, path: &str, body: &impl serde::Serialize) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("http://{}{path}", self.addr))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).expect("json"))
            .send()
            .await
            .expect("post")
    }
}

pub(crate) fn order(
    client_id: &str,
    side: Side,
    ticks: i64,
    lots: i64,
    tif: TimeInForce,
) -> NewOrder {
    NewOrder {
        market: sei(),
        client_id: id(client_id),
        side,
        price: Price::from_ticks(ticks),
        qty: Qty::from_lots(lots),
        tif,
    }
}

pub(crate) async fn next_matching(
    events: &mut EventStream,
    what: &str,
    f: impl Fn(&VenueEvent) -> bool,
) -> VenueEvent {
    let deadline = Instant::now() + LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match timeout(left, events.next()).await {
            Ok(Some(e)) if f(&e) => return e,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("stream ended waiting for {what}"),
            Err(_) => panic!("timed out waiting for {what}"),
        }
    }
}
