"""Replays the recorded Binance USD-M capture through hftbacktest with a simple two-sided
quoting loop (cancel and re-quote at the touch every 200 ms, 10 ms order latency, risk-averse
queue model, maker -1 bp / taker 5 bp), for the replay-throughput comparison of
scripts/bench-backtest. Conversion to hftbacktest's event array is not timed; the loop is
compiled on a slice first, so the figure is the replay alone.

    python scripts/bench_hftbacktest.py FILE.gz...
"""
import sys, time, numpy as np
from numba import njit
from hftbacktest import BacktestAsset, HashMapMarketDepthBacktest, GTX, LIMIT, BUY, SELL
from hftbacktest.data.utils import binancefutures

files = sys.argv[1:]
t = time.time()
parts = [binancefutures.convert(f, buffer_size=20_000_000) for f in files]
data = np.concatenate(parts)
print(f"converted {len(data)} rows in {time.time()-t:.1f} s", flush=True)

@njit
def quote(hbt, interval):
    last = 0
    order_id = 0
    events = 0
    while hbt.wait_next_feed(True, 10_000_000_000) in (0, 2, 3):
        events += 1
        now = hbt.current_timestamp
        if now - last < interval:
            continue
        last = now
        depth = hbt.depth(0)
        if depth.best_bid_tick <= 0 or depth.best_ask_tick <= 0:
            continue
        orders = hbt.orders(0)
        values = orders.values()
        while values.has_next():
            o = values.get()
            if o.cancellable:
                hbt.cancel(0, o.order_id, False)
        hbt.clear_inactive_orders(0)
        order_id += 1
        hbt.submit_buy_order(0, order_id, depth.best_bid, 0.002, GTX, LIMIT, False)
        order_id += 1
        hbt.submit_sell_order(0, order_id, depth.best_ask, 0.002, GTX, LIMIT, False)
    return events

def run(rows):
    asset = (
        BacktestAsset()
        .data([rows])
        .linear_asset(1.0)
        .constant_order_latency(10_000_000, 10_000_000)
        .risk_adverse_queue_model()
        .no_partial_fill_exchange()
        .trading_value_fee_model(-0.0001, 0.0005)
        .tick_size(0.1)
        .lot_size(0.001)
    )
    hbt = HashMapMarketDepthBacktest([asset])
    t = time.time()
    events = quote(hbt, 200_000_000)
    secs = time.time() - t
    hbt.close()
    return events, secs

run(data[:10_000])  # compiles the loop
events, secs = run(data)
print(f"hftbacktest: {len(data)} rows, {events} feed events seen by the strategy in {secs:.3f} s "
      f"= {len(data)/secs:.0f} rows/s")
