#!/usr/bin/env python3
"""Golden vectors of Hyperliquid's L1 actions, written by the official Python SDK.

Writes crates/flashmm-hyperliquid/tests/vectors/{signing,wire}.json, which
crates/flashmm-hyperliquid/tests/golden.rs checks byte for byte against the Rust crate.

Every action is built with the SDK's own functions (order_request_to_order_wire,
order_wires_to_order_action, float_to_wire) or in the exact shape Exchange builds it
(cancel, cancelByCloid, batchModify, scheduleCancel), hashed with action_hash and signed with
sign_l1_action, on mainnet and testnet, with and without a vault address and expiry.

Each case records its inputs (assets, sides, prices and sizes as decimal strings, FlashMM client
order ids) so that the Rust test rebuilds the action from its own types rather than from the
SDK's JSON; then the action JSON, the msgpack bytes, the action hash, the EIP-712 digest and
the signature {r, s, v} exactly as the SDK returns them.

Usage (from the repository root):
    .venv/bin/python -m pip install -r scripts/requirements-hyperliquid.txt
    .venv/bin/python scripts/hyperliquid_vectors.py
"""

import json
import os
import sys
from importlib.metadata import version

import eth_account
import msgpack
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils import keccak
from hyperliquid.utils.signing import (
    action_hash,
    construct_phantom_agent,
    float_to_wire,
    l1_payload,
    order_request_to_order_wire,
    order_wires_to_order_action,
    recover_agent_or_user_from_l1_action,
    sign_l1_action,
)
from hyperliquid.utils.types import Cloid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "flashmm-hyperliquid", "tests", "vectors")

# A throwaway test key, derived from a public phrase: it holds nothing and must never hold
# anything. Anyone can recompute it.
TEST_KEY = "0x" + keccak(b"flashmm-hyperliquid golden vectors: a test key that holds nothing").hex()
# A made-up vault (sub-account) address, only to exercise the vault branch of the hash.
VAULT = "0x" + keccak(b"flashmm-hyperliquid golden vectors: vault")[-20:].hex()

BASE_NONCE = 1_717_171_717_000


def cloid_of(client_order_id):
    """FlashMM's cloid of a client order id: the first 16 bytes of keccak256 of its UTF-8 bytes."""
    return Cloid("0x" + keccak(client_order_id.encode())[:16].hex())


def order_request(spec):
    """The SDK's OrderRequest of one order input (prices and sizes go through floats as in the SDK)."""
    req = {
        "coin": "unused",
        "is_buy": spec["is_buy"],
        "sz": float(spec["sz"]),
        "limit_px": float(spec["px"]),
        "order_type": {"limit": {"tif": spec["tif"]}},
        "reduce_only": spec["reduce_only"],
    }
    if spec.get("client_order_id") is not None:
        req["cloid"] = cloid_of(spec["client_order_id"])
    return req


def order_wire(spec):
    return order_request_to_order_wire(order_request(spec), spec["asset"])


def build_action(inp):
    """The action, exactly as hyperliquid.exchange.Exchange builds it."""
    kind = inp["kind"]
    if kind == "order":
        return order_wires_to_order_action([order_wire(o) for o in inp["orders"]])
    if kind == "cancel":
        # Exchange.bulk_cancel
        return {"type": "cancel", "cancels": [{"a": c["asset"], "o": c["oid"]} for c in inp["cancels"]]}
    if kind == "cancelByCloid":
        # Exchange.bulk_cancel_by_cloid
        return {
            "type": "cancelByCloid",
            "cancels": [
                {"asset": c["asset"], "cloid": cloid_of(c["client_order_id"]).to_raw()} for c in inp["cancels"]
            ],
        }
    if kind == "batchModify":
        # Exchange.bulk_modify_orders_new
        modifies = []
        for m in inp["modifies"]:
            oid = m["oid"] if m["oid"] is not None else cloid_of(m["target_client_order_id"])
            modifies.append(
                {
                    "oid": oid.to_raw() if isinstance(oid, Cloid) else oid,
                    "order": order_wire(m["order"]),
                }
            )
        return {"type": "batchModify", "modifies": modifies}
    if kind == "scheduleCancel":
        # Exchange.schedule_cancel
        action = {"type": "scheduleCancel"}
        if inp["time"] is not None:
            action["time"] = inp["time"]
        return action
    raise ValueError(f"unknown kind {kind}")


def order(asset, is_buy, px, sz, tif, reduce_only=False, client_order_id=None):
    return {
        "asset": asset,
        "is_buy": is_buy,
        "px": px,
        "sz": sz,
        "tif": tif,
        "reduce_only": reduce_only,
        "client_order_id": client_order_id,
    }


def inputs():
    """(name, input, vault, expires_after): every case, each signed on both networks."""
    cases = []
    # One order per tif and side, with and without a cloid.
    for tif in ("Alo", "Gtc", "Ioc"):
        for is_buy in (True, False):
            side = "buy" if is_buy else "sell"
            cases.append((f"order-{tif}-{side}", {"kind": "order", "orders": [order(0, is_buy, "64012", "0.0012", tif)]}))
            cases.append(
                (
                    f"order-{tif}-{side}-cloid",
                    {
                        "kind": "order",
                        "orders": [order(10107, is_buy, "0.42137", "1250.5", tif, client_order_id="SEIUSDC-7-12")],
                    },
                )
            )
    cases.append(
        (
            "order-reduce-only",
            {"kind": "order", "orders": [order(3, False, "3.1415", "10", "Ioc", reduce_only=True, client_order_id="ETH-1-3")]},
        )
    )
    cases.append(
        (
            "order-two-sided",
            {
                "kind": "order",
                "orders": [
                    order(10107, True, "0.4213", "100", "Alo", client_order_id="SEIUSDC-7-13"),
                    order(10107, False, "0.4217", "100.25", "Alo", client_order_id="SEIUSDC-7-14"),
                ],
            },
        )
    )
    cases.append(
        ("order-small-price", {"kind": "order", "orders": [order(10001, True, "0.00012345", "123456", "Gtc")]})
    )
    cases.append(("order-big-size", {"kind": "order", "orders": [order(1, True, "100000", "98765.4321", "Gtc")]}))
    cases.append(("cancel", {"kind": "cancel", "cancels": [{"asset": 0, "oid": 91490942}]}))
    cases.append(
        (
            "cancel-many",
            {"kind": "cancel", "cancels": [{"asset": 10107, "oid": 1}, {"asset": 4, "oid": 123456789012}]},
        )
    )
    cases.append(
        ("cancel-by-cloid", {"kind": "cancelByCloid", "cancels": [{"asset": 10107, "client_order_id": "SEIUSDC-7-12"}]})
    )
    cases.append(
        (
            "cancel-by-cloid-many",
            {
                "kind": "cancelByCloid",
                "cancels": [
                    {"asset": 10107, "client_order_id": "SEIUSDC-7-13"},
                    {"asset": 0, "client_order_id": "BTC-2-1"},
                ],
            },
        )
    )
    cases.append(
        (
            "batch-modify-oid",
            {
                "kind": "batchModify",
                "modifies": [
                    {
                        "oid": 77738308,
                        "target_client_order_id": None,
                        "order": order(0, True, "64001", "0.002", "Alo"),
                    }
                ],
            },
        )
    )
    cases.append(
        (
            "batch-modify-cloid",
            {
                "kind": "batchModify",
                "modifies": [
                    {
                        "oid": None,
                        "target_client_order_id": "SEIUSDC-7-12",
                        "order": order(10107, True, "0.4215", "1250.5", "Alo", client_order_id="SEIUSDC-7-15"),
                    },
                    {
                        "oid": 5,
                        "target_client_order_id": None,
                        "order": order(10107, False, "0.4219", "80", "Gtc", reduce_only=True),
                    },
                ],
            },
        )
    )
    cases.append(("schedule-cancel-time", {"kind": "scheduleCancel", "time": BASE_NONCE + 60_000}))
    cases.append(("schedule-cancel-unset", {"kind": "scheduleCancel", "time": None}))

    out = [(name, inp, None, None) for name, inp in cases]
    # The vault and expiry branches of the hash.
    by_name = dict(cases)
    for name in ("order-Alo-buy-cloid", "cancel", "cancel-by-cloid", "batch-modify-cloid", "schedule-cancel-unset"):
        out.append((f"{name}-vault", by_name[name], VAULT, None))
    for name in ("order-Gtc-sell", "cancel-many"):
        out.append((f"{name}-expires", by_name[name], None, BASE_NONCE + 30_000))
    out.append(("order-two-sided-vault-expires", by_name["order-two-sided"], VAULT, BASE_NONCE + 45_000))
    return out


def eip712_digest(hash_, is_mainnet):
    signable = encode_typed_data(full_message=l1_payload(construct_phantom_agent(hash_, is_mainnet)))
    return _hash_eip191_message(signable)


def case(wallet, name, inp, vault, expires_after, is_mainnet, nonce):
    action = build_action(inp)
    packed = msgpack.packb(action)
    hash_ = action_hash(action, vault, nonce, expires_after)
    signature = sign_l1_action(wallet, action, vault, nonce, expires_after, is_mainnet)
    recovered = recover_agent_or_user_from_l1_action(action, signature, vault, nonce, expires_after, is_mainnet)
    assert recovered == wallet.address, (name, recovered)
    return {
        "name": name,
        "network": "mainnet" if is_mainnet else "testnet",
        "nonce": nonce,
        "vault": vault,
        "expires_after": expires_after,
        "input": inp,
        "action": action,
        "msgpack": packed.hex(),
        "action_hash": hash_.hex(),
        "digest": eip712_digest(hash_, is_mainnet).hex(),
        "signature": signature,
    }


def signing_vectors():
    wallet = eth_account.Account.from_key(TEST_KEY)
    cases = []
    nonce = BASE_NONCE
    for is_mainnet in (True, False):
        for name, inp, vault, expires_after in inputs():
            nonce += 1
            cases.append(case(wallet, name, inp, vault, expires_after, is_mainnet, nonce))
    # The SDK writes r and s as minimal hex (eth_utils.to_hex of an int): find a nonce whose
    # signature has a leading zero nibble, so that the vectors pin that format.
    inp = {"kind": "order", "orders": [order(10107, True, "0.4213", "100", "Alo", client_order_id="SEIUSDC-7-99")]}
    for n in range(BASE_NONCE + 10_000, BASE_NONCE + 20_000):
        c = case(wallet, "order-short-r-or-s", inp, None, None, True, n)
        if len(c["signature"]["r"]) < 66 or len(c["signature"]["s"]) < 66:
            cases.append(c)
            break
    else:
        raise RuntimeError("no signature with a leading zero nibble found")
    return {
        "sdk": f"hyperliquid-python-sdk {version('hyperliquid-python-sdk')}",
        "private_key": TEST_KEY,
        "address": wallet.address.lower(),
        "cases": cases,
    }


WIRE_INPUTS = [
    "0", "1", "10", "100", "1000000", "123456789", "100000000000000000000",
    "0.1", "0.5", "1.5", "1.10", "1.100000", "0.42137", "64012.5", "64012.50000",
    "0.00012345", "0.00000001", "0.12345678", "99999.99999999", "3.14159265",
    "1250.5", "0.0012", "98765.4321", "-1.5", "-0.00000001", "12345678.12345678",
    "0.123456789", "1.000000001", "0.000000001",
]


def wire_vectors():
    cases = []
    for s in WIRE_INPUTS:
        try:
            cases.append({"input": s, "wire": float_to_wire(float(s))})
        except ValueError:
            cases.append({"input": s, "error": True})
    return {"sdk": f"hyperliquid-python-sdk {version('hyperliquid-python-sdk')}", "cases": cases}


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)}", file=sys.stderr)


def main():
    os.makedirs(OUT, exist_ok=True)
    write("signing.json", signing_vectors())
    write("wire.json", wire_vectors())


if __name__ == "__main__":
    main()
