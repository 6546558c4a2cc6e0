#!/usr/bin/env python3
"""The mid's move after each public trade, against the resting side it filled, apart by that
side's share of the size at the two touches (thin < 1/3, even, thick > 2/3), on the recorded
Binance captures. docs/backtest.md, "The queue's balance at the touch".

Clocks: every line is '<local receive ns> <json>'. Lines are in receive order (monotonic).
 - book state at trade  = latest bookTicker line received strictly before the trade line
   (receive order; spot bookTicker has no event time, so receive time is the only common clock).
 - markout at t+H       = latest bookTicker with receive ts <= trade receive ts + H.
 - train/test cut       = compared with the trade's local receive ns by default
   (--cut-clock E compares with trade 'E' ms * 1e6 instead).
Prices/quantities are parsed exactly as scaled integers (fixed decimals per stream).
   --book-clock exch (usdm only): bookTicker and trades ordered by matching-engine 'T';
   book = latest bookTicker with T < trade T, markout = latest with T <= trade T + H.
   --lag MS: the balance (and the flow) as known MS before the trade, the reaction time a
   quote has to be pulled (the markout still starts at the mid just before the trade).
   --by-flow MS: buckets by the aggressive volume in (t - MS, t - lag] instead of the balance:
   none, opposite (> 80 % hit the other side), mixed, same (> 80 % hit the filled side).
Usage: scripts/trade_markouts.py [--data DIR] [--cut-clock local|E] [--book-clock local|exch] [--only-at-touch]
                                 [--lag MS] [--by-flow MS]
"""
import argparse, bisect, glob, gzip, math, os, sys
try:
    import orjson as _j
    loads = _j.loads
except ImportError:
    import json as _j
    loads = _j.loads

# The model's test cuts (models/model.json, split.per_file_cuts): trades from them on are the test part.
CUTS = {
    'spot_btcusdt': 1723161774347560199,
    'spot_ethusdt': 1723161774366635540,
    'usdm_btcusdt': 1721347404750901513,
    'usdm_ethusdt': 1721347404750043353,
}
HS = (100_000_000, 1_000_000_000)  # ns
BUCKETS = ('thin', 'even', 'thick')
FLOW_BUCKETS = ('none', 'opposite', 'mixed', 'same')


def sint(s):
    """decimal string -> (int mantissa, n decimals)."""
    if '.' in s:
        a, b = s.split('.')
        return int(a + b), len(b)
    return int(s), 0


def load(files):
    """bookTickers: (local_ns, exch_T_ns or None, u, bid, B, ask, A); trades: (local_ns, E_ms, T_ms, m, q, p)."""
    bts, trades = [], []
    for f in files:
        with gzip.open(f, 'rb') as fh:
            for line in fh:
                sp = line.find(b' ')
                ts = int(line[:sp])
                body = line[sp + 1:]
                if b'"stream"' not in body[:20]:
                    continue          # REST snapshot line, unused
                if b'@bookTicker' in body[:40]:
                    d = loads(body)['data']
                    T = d.get('T')
                    bts.append((ts, None if T is None else T * 1_000_000, d['u'],
                                sint(d['b'])[0], sint(d['B'])[0], sint(d['a'])[0], sint(d['A'])[0]))
                elif b'@trade' in body[:40] or b'@aggTrade' in body[:40]:
                    d = loads(body)['data']
                    trades.append((ts, d['E'], d['T'], d['m'], float(d['q']), sint(d['p'])[0]))
    return bts, trades


def flow_bucket(times, cum, ts, lo, hi, filled_side):
    """Aggressive volume into the filled side against the other side in [ts - lo, ts - hi)."""
    vols = []
    for side in (filled_side, not filled_side):
        a = bisect.bisect_left(times[side], ts - lo)
        b = bisect.bisect_left(times[side], ts - hi)
        vols.append(cum[side][b] - cum[side][a])
    same, opp = vols
    if same + opp == 0:
        return 'none'
    imb = (same - opp) / (same + opp)
    return 'same' if imb > 0.6 else ('opposite' if imb < -0.6 else 'mixed')


def analyse(name, files, cut, cut_clock, book_clock, only_at_touch, lag_ns=0, flow_ns=0):
    bts, trades = load(files)
    times, cum = {True: [], False: []}, {True: [0.0], False: [0.0]}
    for ts_loc, E, T, m, q, p in trades:   # per filled side: trade times and cumulative size
        times[m].append(ts_loc)
        cum[m].append(cum[m][-1] + q)
    exch = book_clock == 'exch' and bts and bts[0][1] is not None
    if exch:   # order by matching-engine time T, then update id
        bts.sort(key=lambda r: (r[1], r[2]))
        bt_ts = [r[1] for r in bts]
    else:      # receive order (file order, monotonic)
        bt_ts = [r[0] for r in bts]
    bt_mid2 = [r[3] + r[5] for r in bts]      # bid+ask, exact scaled ints
    n_bt = len(bt_ts)
    end_ts = bt_ts[-1]
    nxt = [n_bt] * n_bt                       # next index where mid changes
    for i in range(n_bt - 2, -1, -1):
        nxt[i] = i + 1 if bt_mid2[i + 1] != bt_mid2[i] else nxt[i + 1]
    rows = {'train': [], 'test': []}
    dropped = 0
    for ts_loc, E, T, m, q, p in trades:
        ts = T * 1_000_000 if exch else ts_loc
        i0 = bisect.bisect_left(bt_ts, ts) - 1    # latest bookTicker strictly before the trade
        ib = bisect.bisect_left(bt_ts, ts - lag_ns) - 1 if lag_ns else i0   # the book as known then
        if i0 < 0 or ib < 0:
            continue
        if ts + HS[-1] > end_ts:
            dropped += 1
            continue
        _, _, _, b, B, a, A = bts[ib]
        m2 = bt_mid2[i0]
        if m:   # buyer maker -> sell aggressor -> bid filled; adverse = mid down
            qf, sign, touch = B, -1, b
        else:   # ask filled; adverse = mid up
            qf, sign, touch = A, 1, a
        tot = B + A
        if tot == 0:
            continue
        if only_at_touch and p != touch:
            continue
        if flow_ns:
            bk = flow_bucket(times, cum, ts_loc, flow_ns, lag_ns, m)
        else:
            bk = 'thin' if 3 * qf < tot else ('thick' if 3 * qf > 2 * tot else 'even')
        outs = []
        for H in HS:
            j = bisect.bisect_right(bt_ts, ts + H) - 1
            outs.append(sign * (bt_mid2[j] - m2) / m2 * 1e4)
        moved = nxt[i0] < n_bt and bt_ts[nxt[i0]] <= ts + HS[-1]
        ct = ts_loc if cut_clock == 'local' else E * 1_000_000
        part = 'train' if ct < cut else 'test'
        rows[part].append((bk, q, outs[0], outs[1], moved, p == touch))
    return rows, dropped, len(trades), ('exch T' if exch else 'local recv')


def stats(rs):
    n = len(rs)
    if n == 0:
        return None
    w = sum(r[1] for r in rs)
    m100 = sum(r[2] for r in rs) / n
    m1s = sum(r[3] for r in rs) / n
    var = sum((r[3] - m1s) ** 2 for r in rs) / max(n - 1, 1)
    se = math.sqrt(var / n)
    mv = sum(r[4] for r in rs) / n
    at = sum(r[5] for r in rs) / n
    w100 = sum(r[1] * r[2] for r in rs) / w
    w1s = sum(r[1] * r[3] for r in rs) / w
    return n, w, m100, m1s, se, mv, at, w100, w1s


def table(title, res, part, buckets=BUCKETS):
    print(f'\n### {title}\n')
    print('| instrument | bucket | n | qty | adv 100ms bps | adv 1s bps | se 1s | moved<=1s | px@touch | qw adv 100ms | qw adv 1s |')
    print('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for name, rows in res.items():
        rs = rows[part]
        for bk in buckets + ('all',):
            sub = rs if bk == 'all' else [r for r in rs if r[0] == bk]
            s = stats(sub)
            if s is None:
                print(f'| {name} | {bk} | 0 | | | | | | | | |'); continue
            n, w, m100, m1s, se, mv, at, w100, w1s = s
            print(f'| {name} | {bk} | {n} | {w:.3f} | {m100:+.3f} | {m1s:+.3f} | {se:.3f} | {mv:.1%} | {at:.1%} | {w100:+.3f} | {w1s:+.3f} |')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'data', 'binance'))
    ap.add_argument('--cut-clock', choices=('local', 'E'), default='local')
    ap.add_argument('--book-clock', choices=('local', 'exch'), default='local',
                    help='exch: order bookTicker/trades by matching-engine T (usdm only; spot has no T on bookTicker -> local)')
    ap.add_argument('--lag', type=float, default=0.0, help='ms before the trade the buckets are read at')
    ap.add_argument('--by-flow', type=float, default=0.0, help='bucket by the aggressive flow of the last MS ms')
    ap.add_argument('--only-at-touch', action='store_true',
                    help='keep only trades whose price equals the filled-side touch of the pre-trade bookTicker')
    a = ap.parse_args()
    res, clocks = {}, {}
    for name, cut in CUTS.items():
        mkt, sym = name.split('_')
        files = sorted(glob.glob(os.path.join(a.data, mkt, sym + '_*.gz')))
        if not files:
            print(f'skip {name}: no files under {a.data}', file=sys.stderr); continue
        rows, dropped, ntr, clk = analyse(name, files, cut, a.cut_clock, a.book_clock, a.only_at_touch,
                                          int(a.lag * 1e6), int(a.by_flow * 1e6))
        res[name] = rows
        clocks[name] = clk
        print(f'{name}: files={[os.path.basename(f) for f in files]} trades={ntr} '
              f'train={len(rows["train"])} test={len(rows["test"])} dropped_tail(<1s of data left)={dropped}',
              file=sys.stderr)
    print(f'cut clock: {"trade local receive ns" if a.cut_clock == "local" else "trade E ms*1e6"}; '
          f'book+markout clock: ' + ', '.join(f'{k}={v}' for k, v in clocks.items())
          + ('; only trades at the pre-trade touch' if a.only_at_touch else ''))
    print('adverse bps: + = mid moved against the filled resting side; buckets by filled-side qty/(B+A): thin<1/3, even 1/3..2/3, thick>2/3')
    print('moved<=1s: any bookTicker mid != mid-at-trade within (t, t+1s]; px@touch: trade price == filled-side touch of pre-trade bookTicker; qw = trade-qty weighted')
    buckets = FLOW_BUCKETS if a.by_flow else BUCKETS
    if a.by_flow:
        print(f'buckets: aggressive volume in the {a.by_flow:g} ms up to {a.lag:g} ms before the trade')
    elif a.lag:
        print(f'buckets: the book {a.lag:g} ms before the trade')
    table('Train part (trade before cut)', res, 'train', buckets)
    table('Test part (trade at/after cut)', res, 'test', buckets)


if __name__ == '__main__':
    main()
