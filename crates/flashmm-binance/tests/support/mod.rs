//! A local mock of Binance's public endpoints serving a real capture of `../shared/data`:
//! its combined-stream frames over WebSocket (in order, paced) and REST depth snapshots of the
//! book rebuilt offline from the same capture (its REST snapshot, then its diffs), with
//! injected faults: a diff skipped (a gap), a diff sent twice, a 429, a first snapshot older
//! than the stream, a dropped connection.

#![allow(dead_code)]

use flashmm_core::book::BookLevel;
use flashmm_core::market::{MarketSpec, Side};
use flashmm_core::market::{Price, Qty};
use flashmm_recording::import::binance::message::{parse_message, Message, RawLevel};
use futures_util::{SinkExt, StreamExt};
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A fee-less spec of `id` with `tick`, lot 0.00000001 and no minimum notional, as Binance
/// lists its USDT pairs.
pub fn spec(id: &str, tick: rust_decimal::Decimal) -> MarketSpec {
    use rust_decimal::Decimal;
    MarketSpec::new(
        id.parse().expect("fixture market id"),
        tick,
        Decimal::new(1, 8),
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
    )
    .expect("fixture market spec")
}

/// The capture file `rel` under `../shared/data`, or `None` (with a message) when the data is
/// absent; under `CI=true` a missing capture fails.
pub fn capture(rel: &str) -> Option<PathBuf> {
    let path = Path::new(rel);
    let dir = path.parent().and_then(Path::to_str).unwrap_or("");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(rel);
    flashmm_core::testing::shared_files(dir, &[name]).and_then(|mut f| f.pop())
}

/// The first `max_lines` lines of a gzip capture, as `(recv, json)`.
pub fn read_lines(path: &Path, max_lines: usize) -> Vec<(i64, String)> {
    let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap());
    BufReader::new(gz)
        .lines()
        .take(max_lines)
        .map(|l| {
            let l = l.unwrap();
            let (ts, json) = l.split_once(' ').unwrap();
            (ts.parse().unwrap(), json.to_owned())
        })
        .collect()
}

fn levels(spec: &MarketSpec, raw: &[RawLevel<'_>]) -> Vec<BookLevel> {
    raw.iter()
        .map(|l| BookLevel::new(spec.price(l[0]).unwrap(), spec.qty(l[1]).unwrap()))
        .collect()
}

/// A plain book of levels, without the checks of core's `OrderBook` (Binance's diffs do
/// leave it crossed at times).
#[derive(Debug, Default, Clone)]
pub struct MapBook {
    bids: BTreeMap<Price, Qty>,
    asks: BTreeMap<Price, Qty>,
}

impl MapBook {
    /// Replaces the book.
    pub fn reset(&mut self, bids: &[BookLevel], asks: &[BookLevel]) {
        self.bids.clear();
        self.asks.clear();
        self.apply(bids, asks);
    }

    /// Sets levels (size zero removes).
    pub fn apply(&mut self, bids: &[BookLevel], asks: &[BookLevel]) {
        for (map, levels) in [(&mut self.bids, bids), (&mut self.asks, asks)] {
            for l in levels {
                if l.qty.is_zero() {
                    map.remove(&l.price);
                } else {
                    map.insert(l.price, l.qty);
                }
            }
        }
    }

    /// Whether every level of `self` is in `other` with the same size.
    pub fn is_within(&self, other: &MapBook) -> bool {
        let within = |a: &BTreeMap<Price, Qty>, b: &BTreeMap<Price, Qty>| {
            a.iter().all(|(p, q)| b.get(p) == Some(q))
        };
        within(&self.bids, &other.bids) && within(&self.asks, &other.asks)
    }

    /// Levels in `other` missing here.
    pub fn missing_from(&self, other: &MapBook) -> usize {
        let n = |a: &BTreeMap<Price, Qty>, b: &BTreeMap<Price, Qty>| {
            b.keys().filter(|p| !a.contains_key(p)).count()
        };
        n(&self.bids, &other.bids) + n(&self.asks, &other.asks)
    }

    /// The levels of a side, best first.
    pub fn levels(&self, side: Side) -> Vec<BookLevel> {
        let l = |(&p, &q): (&Price, &Qty)| BookLevel::new(p, q);
        match side {
            Side::Buy => self.bids.iter().rev().map(l).collect(),
            Side::Sell => self.asks.iter().map(l).collect(),
        }
    }
}

/// A digest of a book's levels.
pub fn digest(book: &MapBook) -> u64 {
    let mut h = DefaultHasher::new();
    for side in [Side::Buy, Side::Sell] {
        for l in book.levels(side) {
            (l.price.ticks(), l.qty.lots()).hash(&mut h);
        }
        0xffu8.hash(&mut h);
    }
    h.finish()
}

/// The capture prepared for serving: the frames after the first diff that follows its REST
/// snapshot, and the book rebuilt offline after each diff.
pub struct Capture {
    /// Stream frames in order: JSON text and, for a diff, its index in `diffs`.
    pub frames: Vec<(String, Option<usize>)>,
    /// Each frame's recorded receive time (ns).
    pub times: Vec<i64>,
    /// The offline book's snapshot JSON at the capture's REST snapshot.
    pub first_snapshot: String,
    /// Each served diff's last update id, in order.
    pub diffs: Vec<u64>,
    /// The offline book's digest at each update id (the snapshot's and every diff's).
    pub digests: HashMap<u64, u64>,
    /// The offline book's REST-snapshot JSON after diff `i`.
    snapshots: Vec<String>,
    /// The spec levels are converted with.
    spec: MarketSpec,
    /// The capture's REST snapshot's `lastUpdateId`.
    first_seq: u64,
}

fn snapshot_json(spec: &MarketSpec, book: &MapBook, last_update_id: u64) -> String {
    let side = |s: Side| -> Vec<[String; 2]> {
        book.levels(s)
            .into_iter()
            .map(|l| {
                [
                    spec.price_to_decimal(l.price).to_string(),
                    spec.qty_to_decimal(l.qty).to_string(),
                ]
            })
            .collect()
    };
    serde_json::json!({"lastUpdateId": last_update_id, "bids": side(Side::Buy), "asks": side(Side::Sell)})
        .to_string()
}

impl Capture {
    /// Rebuilds the book of `lines` offline: the REST snapshot line, then every diff after it
    /// (the first must straddle it).
    pub fn new(spec: &MarketSpec, lines: &[(i64, String)]) -> Capture {
        let mut book = MapBook::default();
        let mut at: Option<u64> = None;
        let mut out = Capture {
            frames: Vec::new(),
            times: Vec::new(),
            first_snapshot: String::new(),
            diffs: Vec::new(),
            digests: HashMap::new(),
            snapshots: Vec::new(),
            spec: spec.clone(),
            first_seq: 0,
        };
        for (recv, json) in lines {
            match parse_message(json).unwrap() {
                Message::Snapshot(s) => {
                    book.reset(&levels(spec, &s.bids), &levels(spec, &s.asks));
                    at = Some(s.last_update_id);
                    out.first_seq = s.last_update_id;
                    out.first_snapshot = snapshot_json(spec, &book, s.last_update_id);
                    out.digests.insert(s.last_update_id, digest(&book));
                }
                Message::Depth(d) => {
                    let Some(last) = at else { continue };
                    if d.last <= last {
                        continue;
                    }
                    let straddling = out.diffs.is_empty();
                    book.apply(&levels(spec, &d.bids), &levels(spec, &d.asks));
                    at = Some(d.last);
                    out.diffs.push(d.last);
                    out.digests.insert(d.last, digest(&book));
                    out.snapshots.push(snapshot_json(spec, &book, d.last));
                    // The diff that straddles the REST snapshot is not served: the stream
                    // starts after it, so the capture's snapshot is older than the stream.
                    if !straddling {
                        out.frames.push((json.clone(), Some(out.diffs.len() - 1)));
                        out.times.push(*recv);
                    }
                }
                _ if !out.diffs.is_empty() => {
                    out.frames.push((json.clone(), None));
                    out.times.push(*recv);
                }
                _ => {}
            }
        }
        out
    }

    /// The index in [`frames`](Self::frames) of the `n`th served diff.
    ///
    /// # Panics
    /// When fewer than `n + 1` diffs are served.
    pub fn diff_frame(&self, n: usize) -> usize {
        self.frames
            .iter()
            .enumerate()
            .filter(|(_, (_, d))| d.is_some())
            .nth(n)
            .map(|(i, _)| i)
            .expect("the capture serves that many diffs")
    }

    /// The offline book (the venue's levels as sent, crossed at times) at update id `seq`.
    pub fn book_at(&self, seq: u64) -> Option<MapBook> {
        let json = if seq == self.first_seq {
            &self.first_snapshot
        } else {
            &self.snapshots[self.diffs.iter().position(|&d| d == seq)?]
        };
        let Message::Snapshot(s) = parse_message(json).unwrap() else {
            panic!("not a snapshot")
        };
        let mut book = MapBook::default();
        book.reset(&levels(&self.spec, &s.bids), &levels(&self.spec, &s.asks));
        Some(book)
    }
}

/// Faults to inject, by frame index (of [`Capture::frames`]).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Frames never sent (a gap when they are diffs).
    pub skip: Vec<usize>,
    /// Frames sent twice.
    pub duplicate: Vec<usize>,
    /// The connection is dropped before this frame, and this many frames are lost.
    pub drop_at: Option<(usize, usize)>,
    /// Answer the first snapshot request with a 429 (`Retry-After: 1`).
    pub rate_limit_first: bool,
    /// Answer the next snapshot request with the capture's own REST snapshot (older than the
    /// stream).
    pub stale_snapshot: bool,
}

struct State {
    capture: Capture,
    faults: Faults,
    /// The next frame to send.
    pos: usize,
    /// The last diff sent.
    last_diff: Option<usize>,
    dropped: bool,
    connections: u64,
    snapshot_requests: u64,
    grids: String,
    /// Every stream frame sent, in order (a duplicate twice).
    sent_frames: Vec<String>,
    /// Every depth snapshot body answered with 200, in order.
    sent_snapshots: Vec<String>,
    /// Serve at the recorded pace times this speed (`None`: as fast as the client reads).
    speed: Option<f64>,
    /// When the first frame was sent, and its recorded time: the pace's origin.
    origin: Option<(tokio::time::Instant, i64)>,
}

/// A running mock: its URLs and what it served.
pub struct Mock {
    /// WebSocket base URL.
    pub ws_url: String,
    /// REST base URL.
    pub rest_url: String,
    state: Arc<Mutex<State>>,
}

impl Mock {
    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.state.lock().unwrap().connections
    }

    /// Snapshot requests answered so far.
    pub fn snapshot_requests(&self) -> u64 {
        self.state.lock().unwrap().snapshot_requests
    }

    /// Every stream frame sent so far, in order (a duplicate twice).
    pub fn sent_frames(&self) -> Vec<String> {
        self.state.lock().unwrap().sent_frames.clone()
    }

    /// Every depth snapshot body answered so far, in order.
    pub fn sent_snapshots(&self) -> Vec<String> {
        self.state.lock().unwrap().sent_snapshots.clone()
    }

    /// The offline book at update id `seq` (see [`Capture::book_at`]).
    pub fn book_at(&self, seq: u64) -> Option<MapBook> {
        self.state.lock().unwrap().capture.book_at(seq)
    }

    /// Whether every frame was sent.
    pub fn done(&self) -> bool {
        let s = self.state.lock().unwrap();
        s.pos >= s.capture.frames.len()
    }
}

/// Starts the mock for `capture`, with `faults`; `grids` is the `exchangeInfo` body. Frames
/// go out as fast as the client reads them.
pub async fn start(capture: Capture, faults: Faults, grids: String) -> Mock {
    serve(capture, faults, grids, None).await
}

/// [`start`], with frames sent at their recorded pace times `speed` (a live feed), across
/// reconnects.
pub async fn start_paced(capture: Capture, faults: Faults, grids: String, speed: f64) -> Mock {
    serve(capture, faults, grids, Some(speed)).await
}

async fn serve(capture: Capture, faults: Faults, grids: String, speed: Option<f64>) -> Mock {
    let state = Arc::new(Mutex::new(State {
        capture,
        faults,
        pos: 0,
        last_diff: None,
        dropped: false,
        connections: 0,
        snapshot_requests: 0,
        grids,
        sent_frames: Vec::new(),
        sent_snapshots: Vec::new(),
        speed,
        origin: None,
    }));
    let ws = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mock = Mock {
        ws_url: format!("ws://{}", ws.local_addr().unwrap()),
        rest_url: format!("http://{}", rest.local_addr().unwrap()),
        state: state.clone(),
    };
    let s = state.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = ws.accept().await {
            tokio::spawn(serve_ws(tcp, s.clone()));
        }
    });
    tokio::spawn(async move {
        while let Ok((tcp, _)) = rest.accept().await {
            tokio::spawn(serve_rest(tcp, state.clone()));
        }
    });
    mock
}

async fn serve_ws(tcp: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else {
        return;
    };
    state.lock().unwrap().connections += 1;
    let (mut sink, mut stream) = ws.split();
    // Read (and so answer pings) until the client goes.
    let reader = tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
    let mut sent = 0u64;
    loop {
        let (frames, drop_now) = {
            let mut s = state.lock().unwrap();
            if s.pos >= s.capture.frames.len() {
                (Vec::new(), false)
            } else {
                let i = s.pos;
                if let Some((at, lost)) = s.faults.drop_at.filter(|_| !s.dropped) {
                    if i == at {
                        s.dropped = true;
                        s.pos = at + lost;
                        (Vec::new(), true)
                    } else {
                        s.pos += 1;
                        (frames_of(&mut s, i), false)
                    }
                } else {
                    s.pos += 1;
                    (frames_of(&mut s, i), false)
                }
            }
        };
        if drop_now {
            // Both halves dropped: the TCP connection closes without a Close frame.
            reader.abort();
            return;
        }
        let finished = {
            let s = state.lock().unwrap();
            s.pos >= s.capture.frames.len()
        };
        if frames.is_empty() && finished {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let due = {
            let mut s = state.lock().unwrap();
            let i = s
                .pos
                .saturating_sub(1)
                .min(s.capture.times.len().saturating_sub(1));
            let ts = s.capture.times.get(i).copied().unwrap_or_default();
            match s.speed {
                Some(speed) => {
                    let (at, first) = *s.origin.get_or_insert((tokio::time::Instant::now(), ts));
                    let after = (ts - first).max(0) as f64 / speed;
                    Some(at + Duration::from_nanos(after as u64))
                }
                None => None,
            }
        };
        if let Some(due) = due {
            tokio::time::sleep_until(due).await;
        }
        for f in frames {
            if sink.send(WsMessage::Text(f.into())).await.is_err() {
                return;
            }
        }
        sent += 1;
        if due.is_none() && sent.is_multiple_of(5) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// The frames to send for frame `i` (none, one, or two for a duplicate), noting the last
/// diff sent.
fn frames_of(s: &mut State, i: usize) -> Vec<String> {
    if s.faults.skip.contains(&i) {
        return Vec::new();
    }
    let (json, diff) = s.capture.frames[i].clone();
    if let Some(d) = diff {
        s.last_diff = Some(d);
    }
    let out = if s.faults.duplicate.contains(&i) {
        vec![json.clone(), json]
    } else {
        vec![json]
    };
    s.sent_frames.extend(out.iter().cloned());
    out
}

async fn serve_rest(mut tcp: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
    let (status, extra, body) = {
        let mut s = state.lock().unwrap();
        if path.contains("/depth") {
            s.snapshot_requests += 1;
            if s.faults.rate_limit_first {
                s.faults.rate_limit_first = false;
                (
                    "429 Too Many Requests",
                    "Retry-After: 1\r\n",
                    "{\"code\":-1003}".to_owned(),
                )
            } else {
                let body = if s.faults.stale_snapshot {
                    s.faults.stale_snapshot = false;
                    s.capture.first_snapshot.clone()
                } else {
                    match s.last_diff {
                        Some(d) => s.capture.snapshots[d].clone(),
                        None => s.capture.first_snapshot.clone(),
                    }
                };
                s.sent_snapshots.push(body.clone());
                ("200 OK", "", body)
            }
        } else if path.contains("exchangeInfo") {
            ("200 OK", "", s.grids.clone())
        } else {
            ("404 Not Found", "", String::new())
        }
    };
    let resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tcp.write_all(resp.as_bytes()).await;
    let _ = tcp.shutdown().await;
}
