//! Labels: the future mid move over a horizon, and its class with a dead band.

/// Class of a future move: 0 down, 1 flat (within the dead band), 2 up.
pub fn class(move_bps: f64, dead_band_bps: f64) -> i8 {
    if move_bps > dead_band_bps {
        2
    } else if move_bps < -dead_band_bps {
        0
    } else {
        1
    }
}

/// For each row `i` (times `ts`, non-decreasing; mids `mid`), the move in bps from `mid[i]` to
/// the mid in force at `ts[i] + horizon_ns` (the last row at or before that time). Rows whose
/// horizon runs past the last row get `None`: their future is unknown.
pub fn future_moves(ts: &[i64], mid: &[f64], horizon_ns: i64) -> Vec<Option<f64>> {
    let last = ts.last().copied().unwrap_or(i64::MIN);
    let mut j = 0;
    ts.iter()
        .zip(mid)
        .map(|(&t, &m)| {
            let target = t.saturating_add(horizon_ns);
            if target > last {
                return None;
            }
            while j + 1 < ts.len() && ts[j + 1] <= target {
                j += 1;
            }
            (m > 0.0).then(|| (mid[j] - m) / m * 10_000.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_respect_the_dead_band() {
        assert_eq!(class(0.6, 0.5), 2);
        assert_eq!(class(0.5, 0.5), 1);
        assert_eq!(class(-0.5, 0.5), 1);
        assert_eq!(class(-0.51, 0.5), 0);
    }

    #[test]
    fn moves_look_exactly_one_horizon_ahead() {
        let ts = [0, 100, 250, 400, 1000];
        let mid = [100.0, 101.0, 99.0, 100.0, 102.0];
        let moves = future_moves(&ts, &mid, 300);
        // t=0 → mid in force at 300 is the one set at 250 (99).
        assert!((moves[0].unwrap() - -100.0).abs() < 1e-9);
        // t=100 → at 400: 100.
        assert!((moves[1].unwrap() - (100.0 - 101.0) / 101.0 * 1e4).abs() < 1e-9);
        // t=250 → at 550: still 100 (set at 400).
        assert!((moves[2].unwrap() - (100.0 - 99.0) / 99.0 * 1e4).abs() < 1e-9);
        // t=400 → at 700: 100, no change.
        assert_eq!(moves[3], Some(0.0));
        // t=1000 → beyond the data.
        assert_eq!(moves[4], None);
    }
}
