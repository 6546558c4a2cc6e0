"""Replays the recorded Binance USD-M capture through nautilus_trader's BacktestEngine with a
simple two-sided quoting strategy (cancel and re-quote post-only at the touch every 200 ms of
data time), for the replay-throughput comparison of scripts/bench-backtest. The events are
read with hftbacktest's converter (the same rows as scripts/bench_hftbacktest.py) and turned
into nautilus OrderBookDelta and TradeTick objects outside the timing; the figure is
`engine.run()` alone.

    python scripts/bench_nautilus.py FILE.gz...
"""
import sys, time
from decimal import Decimal
import numpy as np
from hftbacktest.data.utils import binancefutures
from hftbacktest import DEPTH_EVENT, TRADE_EVENT, BUY_EVENT, SELL_EVENT

from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.book import OrderBook
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import BookOrder, OrderBookDelta, OrderBookDeltas, TradeTick
from nautilus_trader.model.enums import (AccountType, AggressorSide, BookAction, BookType,
                                         OmsType, OrderSide, RecordFlag)
from nautilus_trader.model.identifiers import TradeId, Venue
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

files = sys.argv[1:]
rows = np.concatenate([binancefutures.convert(f, buffer_size=20_000_000) for f in files])
inst = TestInstrumentProvider.btcusdt_perp_binance()
iid = inst.id
data = []
n = len(rows)
for i in range(n):
    ev, exch, local, px, qty = int(rows[i]['ev']), int(rows[i]['exch_ts']), int(rows[i]['local_ts']), float(rows[i]['px']), float(rows[i]['qty'])
    if ev & DEPTH_EVENT == DEPTH_EVENT and not (ev & TRADE_EVENT == TRADE_EVENT):
        side = OrderSide.BUY if ev & BUY_EVENT == BUY_EVENT else OrderSide.SELL
        last = i + 1 == n or int(rows[i + 1]['local_ts']) != local
        action = BookAction.UPDATE if qty > 0 else BookAction.DELETE
        order = BookOrder(side, Price(px, 1), Quantity(qty, 3), 0)
        data.append(OrderBookDelta(iid, action, order, RecordFlag.F_LAST if last else 0, 0, local, local))
    elif ev & TRADE_EVENT == TRADE_EVENT:
        aggr = AggressorSide.BUYER if ev & BUY_EVENT == BUY_EVENT else AggressorSide.SELLER
        if qty <= 0:
            continue
        data.append(TradeTick(iid, Price(px, 1), Quantity(qty, 3), aggr, TradeId(str(i)), local, local))
print(f"built {len(data)} nautilus data objects from {n} rows", flush=True)


class Quoter(Strategy):
    def __init__(self):
        super().__init__()
        self.book = OrderBook(iid, BookType.L2_MBP)
        self.last = 0
        self.events = 0

    def on_start(self):
        self.subscribe_order_book_deltas(iid)

    def on_order_book_deltas(self, deltas: OrderBookDeltas):
        self.events += 1
        self.book.apply_deltas(deltas)
        now = deltas.ts_init
        if now - self.last < 200_000_000:
            return
        self.last = now
        bid, ask = self.book.best_bid_price(), self.book.best_ask_price()
        if bid is None or ask is None or bid >= ask:
            return
        self.cancel_all_orders(iid)
        q = Quantity.from_str("0.002")
        self.submit_order(self.order_factory.limit(iid, OrderSide.BUY, q, bid, post_only=True))
        self.submit_order(self.order_factory.limit(iid, OrderSide.SELL, q, ask, post_only=True))


engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
engine.add_venue(Venue("BINANCE"), OmsType.NETTING, AccountType.MARGIN, [Money(1_000_000, USDT)],
                 base_currency=None, book_type=BookType.L2_MBP)
engine.add_instrument(inst)
engine.add_data(data)
strategy = Quoter()
engine.add_strategy(strategy)
t = time.time()
engine.run()
secs = time.time() - t
print(f"nautilus_trader: {n} rows ({len(data)} data objects), {strategy.events} book updates seen "
      f"by the strategy in {secs:.3f} s = {n/secs:.0f} rows/s")
