//! The client's side of the venue's rate limits: a bucket of request weight refilled at the
//! documented rate (requests wait for their weight rather than be refused), and a back-off
//! gate that a rate-limit answer closes for a growing delay, so the client never hammers.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Weight of an `/exchange` action of `n` orders or cancels: `1 + floor(n / 40)`.
pub fn exchange_weight(n: usize) -> u32 {
    1 + u32::try_from(n / 40).unwrap_or(u32::MAX - 1)
}

/// Weight of an `/info` request of `kind`: 2 for `l2Book`, `allMids`, `clearinghouseState`,
/// `orderStatus`, `spotClearinghouseState` and `exchangeStatus`; 60 for `userRole`; 20 for
/// the rest (fill histories add 1 per 20 items returned, charged by the venue afterwards).
pub fn info_weight(kind: &str) -> u32 {
    match kind {
        "l2Book"
        | "allMids"
        | "clearinghouseState"
        | "orderStatus"
        | "spotClearinghouseState"
        | "exchangeStatus" => 2,
        "userRole" => 60,
        _ => 20,
    }
}

#[derive(Debug)]
struct State {
    tokens: f64,
    last: Instant,
    blocked_until: Option<Instant>,
    next_backoff: Duration,
}

/// A weight bucket and a back-off gate, shared by every request of a client.
#[derive(Debug)]
pub struct WeightPacer {
    per_sec: f64,
    capacity: f64,
    min_backoff: Duration,
    max_backoff: Duration,
    state: Mutex<State>,
}

impl WeightPacer {
    /// `per_minute` weight a minute (also the burst), backing off from `min_backoff` doubling
    /// to `max_backoff` after rate-limit answers.
    pub fn new(per_minute: u32, min_backoff: Duration, max_backoff: Duration) -> Self {
        let capacity = f64::from(per_minute.max(1));
        WeightPacer {
            per_sec: capacity / 60.0,
            capacity,
            min_backoff,
            max_backoff,
            state: Mutex::new(State {
                tokens: capacity,
                last: Instant::now(),
                blocked_until: None,
                next_backoff: min_backoff,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `weight` may be spent (the gate open, the bucket holding it), then spends it.
    pub async fn acquire(&self, weight: u32) {
        let weight = f64::from(weight).min(self.capacity);
        loop {
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
                s.tokens = (s.tokens + elapsed * self.per_sec).min(self.capacity);
                s.last = now;
                match s.blocked_until {
                    Some(until) if until > now => until - now,
                    _ if s.tokens >= weight => {
                        s.tokens -= weight;
                        return;
                    }
                    _ => Duration::from_secs_f64((weight - s.tokens) / self.per_sec),
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// The venue answered "rate limited": closes the gate for the next back-off delay
    /// (doubling up to the maximum) and returns it.
    pub fn rate_limited(&self) -> Duration {
        let mut s = self.lock();
        let delay = s.next_backoff;
        s.next_backoff = (delay * 2).min(self.max_backoff);
        s.blocked_until = Some(Instant::now() + delay);
        delay
    }

    /// A request went through: the next rate-limit answer backs off from the minimum again.
    pub fn succeeded(&self) {
        let mut s = self.lock();
        s.next_backoff = self.min_backoff;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_the_documentation() {
        assert_eq!(exchange_weight(1), 1);
        assert_eq!(exchange_weight(39), 1);
        assert_eq!(exchange_weight(40), 2);
        assert_eq!(exchange_weight(85), 3);
        assert_eq!(info_weight("l2Book"), 2);
        assert_eq!(info_weight("spotClearinghouseState"), 2);
        assert_eq!(info_weight("meta"), 20);
        assert_eq!(info_weight("userFillsByTime"), 20);
        assert_eq!(info_weight("userRole"), 60);
    }

    #[tokio::test(start_paused = true)]
    async fn waits_for_weight_and_backs_off() {
        let p = WeightPacer::new(60, Duration::from_millis(100), Duration::from_millis(400));
        let start = Instant::now();
        p.acquire(60).await;
        assert!(start.elapsed() < Duration::from_millis(1));
        // One weight a second refills.
        p.acquire(2).await;
        assert!(
            start.elapsed() >= Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        let delays: Vec<Duration> = (0..4).map(|_| p.rate_limited()).collect();
        assert_eq!(
            delays,
            [100, 200, 400, 400].map(Duration::from_millis).to_vec()
        );
        let before = Instant::now();
        p.acquire(1).await;
        assert!(before.elapsed() >= Duration::from_millis(400));
        p.succeeded();
        assert_eq!(p.rate_limited(), Duration::from_millis(100));
    }
}
