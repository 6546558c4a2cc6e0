//! Unit tests of the Binance importer on hand-written lines.
