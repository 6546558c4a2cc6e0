//! Golden vectors written by the official Python SDK (`scripts/hyperliquid_vectors.py`): every
//! action is rebuilt here from FlashMM's types and the case's inputs (never from the SDK's
//! JSON), then its msgpack, action hash, EIP-712 digest and signature must equal the SDK's
//! byte for byte, and the signer recovered from the SDK's signature must be the key's address.

use flashmm_core::identifiers::ClientOrderId;
use flashmm_hyperliquid::signing::{action_hash, action_msgpack, l1_digest, recover_l1_signer};
use flashmm_hyperliquid::{
    decimal_to_wire, Action, Address, Asset, CancelByCloidWire, CancelWire, Cloid, ExchangeRequest,
    L1Context, Network, OrderRef, OrderRequest, Signature, Signer, Tif,
};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::str::FromStr;

#[derive(Deserialize)]
struct SigningVectors {
    sdk: String,
    private_key: String,
    address: String,
    cases: Vec<SigningCase>,
}

#[derive(Deserialize)]
struct SigningCase {
    name: String,
    network: Network,
    nonce: u64,
    vault: Option<String>,
    expires_after: Option<u64>,
    input: Input,
    action: serde_json::Value,
    msgpack: String,
    action_hash: String,
    digest: String,
    signature: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(tag = "kind")]
enum Input {
    #[serde(rename = "order")]
    Order { orders: Vec<OrderInput> },
    #[serde(rename = "cancel")]
    Cancel { cancels: Vec<CancelInput> },
    #[serde(rename = "cancelByCloid")]
    CancelByCloid { cancels: Vec<CancelByCloidInput> },
    #[serde(rename = "batchModify")]
    BatchModify { modifies: Vec<ModifyInput> },
    #[serde(rename = "scheduleCancel")]
    ScheduleCancel { time: Option<u64> },
}

#[derive(Deserialize)]
struct OrderInput {
    asset: u32,
    is_buy: bool,
    px: String,
    sz: String,
    tif: String,
    reduce_only: bool,
    client_order_id: Option<String>,
}

#[derive(Deserialize)]
struct CancelInput {
    asset: u32,
    oid: u64,
}

#[derive(Deserialize)]
struct CancelByCloidInput {
    asset: u32,
    client_order_id: String,
}

#[derive(Deserialize)]
struct ModifyInput {
    oid: Option<u64>,
    target_client_order_id: Option<String>,
    order: OrderInput,
}

fn cloid(client_order_id: &str) -> Cloid {
    let id = ClientOrderId::new(client_order_id).expect("a valid FlashMM client order id");
    Cloid::from_client_order_id(&id)
}

fn tif(s: &str) -> Tif {
    match s {
        "Alo" => Tif::Alo,
        "Gtc" => Tif::Gtc,
        "Ioc" => Tif::Ioc,
        other => panic!("unknown tif {other}"),
    }
}

fn order_request(o: &OrderInput) -> OrderRequest {
    OrderRequest {
        asset: Asset(o.asset),
        is_buy: o.is_buy,
        price: Decimal::from_str(&o.px).expect("price"),
        size: Decimal::from_str(&o.sz).expect("size"),
        reduce_only: o.reduce_only,
        tif: tif(&o.tif),
        cloid: o.client_order_id.as_deref().map(cloid),
    }
}

fn build(input: &Input) -> Action {
    match input {
        Input::Order { orders } => {
            let requests: Vec<_> = orders.iter().map(order_request).collect();
            Action::order(&requests).expect("order action")
        }
        Input::Cancel { cancels } => Action::cancel(
            cancels
                .iter()
                .map(|c| CancelWire {
                    a: Asset(c.asset),
                    o: c.oid,
                })
                .collect(),
        ),
        Input::CancelByCloid { cancels } => Action::cancel_by_cloid(
            cancels
                .iter()
                .map(|c| CancelByCloidWire {
                    asset: Asset(c.asset),
                    cloid: cloid(&c.client_order_id),
                })
                .collect(),
        ),
        Input::BatchModify { modifies } => {
            let modifies: Vec<_> = modifies
                .iter()
                .map(|m| {
                    let target = match (m.oid, m.target_client_order_id.as_deref()) {
                        (Some(oid), None) => OrderRef::Oid(oid),
                        (None, Some(id)) => OrderRef::Cloid(cloid(id)),
                        _ => panic!("a modify names its order by oid or by cloid"),
                    };
                    (target, order_request(&m.order))
                })
                .collect();
            Action::batch_modify(&modifies).expect("batchModify action")
        }
        Input::ScheduleCancel { time } => Action::schedule_cancel(*time),
    }
}

fn vectors() -> SigningVectors {
    serde_json::from_str(include_str!("vectors/signing.json")).expect("signing.json")
}

#[test]
fn vectors_cover_every_action_network_vault_and_expiry() {
    let v = vectors();
    assert!(
        v.sdk.starts_with("hyperliquid-python-sdk 0.24"),
        "{}",
        v.sdk
    );
    let has = |f: &dyn Fn(&SigningCase) -> bool| v.cases.iter().any(f);
    for kind in [
        "order",
        "cancel",
        "cancelByCloid",
        "batchModify",
        "scheduleCancel",
    ] {
        assert!(has(&|c| c.action["type"] == kind), "no {kind} case");
    }
    assert!(has(&|c| c.network == Network::Mainnet));
    assert!(has(&|c| c.network == Network::Testnet));
    assert!(has(&|c| c.vault.is_some()));
    assert!(has(&|c| c.expires_after.is_some()));
    assert!(has(&|c| {
        let sig = &c.signature;
        sig["r"].as_str().is_some_and(|r| r.len() < 66)
            || sig["s"].as_str().is_some_and(|s| s.len() < 66)
    }));
}

#[test]
fn actions_hash_and_sign_as_the_sdk_does() {
    let v = vectors();
    let signer = Signer::from_hex(&v.private_key).expect("test key");
    assert_eq!(signer.address().to_string(), v.address);
    for case in &v.cases {
        let name = format!("{} ({:?})", case.name, case.network);
        let action = build(&case.input);
        let ctx = L1Context {
            network: case.network,
            vault: case
                .vault
                .as_deref()
                .map(|a| Address::from_str(a).expect("vault")),
            expires_after: case.expires_after,
        };

        assert_eq!(
            serde_json::to_value(&action).expect("json"),
            case.action,
            "{name}: action JSON"
        );
        assert_eq!(
            hex::encode(action_msgpack(&action).expect("msgpack")),
            case.msgpack,
            "{name}: msgpack"
        );
        assert_eq!(
            hex::encode(action_hash(&action, case.nonce, &ctx).expect("hash")),
            case.action_hash,
            "{name}: action hash"
        );
        assert_eq!(
            hex::encode(l1_digest(&action, case.nonce, &ctx).expect("digest")),
            case.digest,
            "{name}: EIP-712 digest"
        );
        let signature = signer
            .sign_l1_action(&action, case.nonce, &ctx)
            .expect("sign");
        assert_eq!(
            serde_json::to_value(signature).expect("json"),
            case.signature,
            "{name}: signature"
        );

        // The SDK's own signature recovers to the key's address; the SDK's action JSON reads
        // back into the same action.
        let sdk_signature: Signature =
            serde_json::from_value(case.signature.clone()).expect("SDK signature");
        assert_eq!(
            recover_l1_signer(&action, case.nonce, &ctx, &sdk_signature).expect("recover"),
            signer.address(),
            "{name}: recovered signer"
        );
        let read: Action = serde_json::from_value(case.action.clone()).expect("SDK action");
        assert_eq!(read, action, "{name}: action read back");
    }
}

#[test]
fn exchange_request_carries_the_signed_action() {
    let v = vectors();
    let signer = Signer::from_hex(&v.private_key).expect("test key");
    let case = v
        .cases
        .iter()
        .find(|c| c.vault.is_some() && c.expires_after.is_some())
        .expect("a case with vault and expiry");
    let action = build(&case.input);
    let vault = case
        .vault
        .as_deref()
        .map(|a| Address::from_str(a).expect("vault"));
    let ctx = L1Context {
        network: case.network,
        vault,
        expires_after: case.expires_after,
    };
    let request = ExchangeRequest {
        signature: signer
            .sign_l1_action(&action, case.nonce, &ctx)
            .expect("sign"),
        action,
        nonce: case.nonce,
        vault_address: vault,
        expires_after: case.expires_after,
    };
    let json = serde_json::to_value(&request).expect("json");
    assert_eq!(json["action"], case.action);
    assert_eq!(json["signature"], case.signature);
    assert_eq!(json["nonce"], case.nonce);
    assert_eq!(json["vaultAddress"].as_str(), case.vault.as_deref());
    assert_eq!(json["expiresAfter"].as_u64(), case.expires_after);
    let back: ExchangeRequest = serde_json::from_value(json).expect("read back");
    assert_eq!(back, request);
}

#[derive(Deserialize)]
struct WireVectors {
    cases: Vec<WireCase>,
}

#[derive(Deserialize)]
struct WireCase {
    input: String,
    wire: Option<String>,
    #[serde(default)]
    error: bool,
}

#[test]
fn prices_and_sizes_are_written_as_float_to_wire() {
    let v: WireVectors =
        serde_json::from_str(include_str!("vectors/wire.json")).expect("wire.json");
    assert!(v.cases.iter().any(|c| c.error));
    for case in &v.cases {
        let value = Decimal::from_str(&case.input).expect("decimal input");
        let ours = decimal_to_wire(value);
        if case.error {
            assert!(
                ours.is_err(),
                "{}: the SDK refuses it, got {ours:?}",
                case.input
            );
        } else {
            assert_eq!(
                ours.ok().as_deref(),
                case.wire.as_deref(),
                "{}: wire",
                case.input
            );
        }
    }
}

/// The signatures asserted by the SDK repository's own test suite (`tests/signing_test.py`:
/// its public test key, nonce 0, no vault), independent of this crate's vector script.
#[test]
fn matches_the_signatures_published_in_the_sdk_tests() {
    let signer =
        Signer::from_hex("0x0123456789012345678901234567890123456789012345678901234567890123")
            .expect("the SDK's test key");
    let order = |cloid: Option<Cloid>| OrderRequest {
        asset: Asset(1),
        is_buy: true,
        price: Decimal::from(100),
        size: Decimal::from(100),
        reduce_only: false,
        tif: Tif::Gtc,
        cloid,
    };
    let cloid_one = Cloid::from_str("0x00000000000000000000000000000001").expect("cloid");
    // (test name, action, [mainnet (r, s, v), testnet (r, s, v)]).
    type Rsv = (&'static str, &'static str, u8);
    let cases: [(&str, Action, [Rsv; 2]); 4] = [
        (
            "test_l1_action_signing_order_matches",
            Action::order(&[order(None)]).expect("order"),
            [
                (
                    "0xd65369825a9df5d80099e513cce430311d7d26ddf477f5b3a33d2806b100d78e",
                    "0x2b54116ff64054968aa237c20ca9ff68000f977c93289157748a3162b6ea940e",
                    28,
                ),
                (
                    "0x82b2ba28e76b3d761093aaded1b1cdad4960b3af30212b343fb2e6cdfa4e3d54",
                    "0x6b53878fc99d26047f4d7e8c90eb98955a109f44209163f52d8dc4278cbbd9f5",
                    27,
                ),
            ],
        ),
        (
            "test_l1_action_signing_order_with_cloid_matches",
            Action::order(&[order(Some(cloid_one))]).expect("order"),
            [
                (
                    "0x41ae18e8239a56cacbc5dad94d45d0b747e5da11ad564077fcac71277a946e3",
                    "0x3c61f667e747404fe7eea8f90ab0e76cc12ce60270438b2058324681a00116da",
                    27,
                ),
                (
                    "0xeba0664bed2676fc4e5a743bf89e5c7501aa6d870bdb9446e122c9466c5cd16d",
                    "0x7f3e74825c9114bc59086f1eebea2928c190fdfbfde144827cb02b85bbe90988",
                    28,
                ),
            ],
        ),
        (
            "test_schedule_cancel_action (no time)",
            Action::schedule_cancel(None),
            [
                (
                    "0x6cdfb286702f5917e76cd9b3b8bf678fcc49aec194c02a73e6d4f16891195df9",
                    "0x6557ac307fa05d25b8d61f21fb8a938e703b3d9bf575f6717ba21ec61261b2a0",
                    27,
                ),
                (
                    "0xc75bb195c3f6a4e06b7d395acc20bbb224f6d23ccff7c6a26d327304e6efaeed",
                    "0x342f8ede109a29f2c0723bd5efb9e9100e3bbb493f8fb5164ee3d385908233df",
                    28,
                ),
            ],
        ),
        (
            "test_schedule_cancel_action (time)",
            Action::schedule_cancel(Some(123_456_789)),
            [
                (
                    "0x609cb20c737945d070716dcc696ba030e9976fcf5edad87afa7d877493109d55",
                    "0x16c685d63b5c7a04512d73f183b3d7a00da5406ff1f8aad33f8ae2163bab758b",
                    28,
                ),
                (
                    "0x4e4f2dbd4107c69783e251b7e1057d9f2b9d11cee213441ccfa2be63516dc5bc",
                    "0x706c656b23428c8ba356d68db207e11139ede1670481a9e01ae2dfcdb0e1a678",
                    27,
                ),
            ],
        ),
    ];
    for (name, action, expected) in cases {
        for (network, (r, s, v)) in [Network::Mainnet, Network::Testnet]
            .into_iter()
            .zip(expected)
        {
            let ctx = L1Context::new(network);
            let sig = signer.sign_l1_action(&action, 0, &ctx).expect("sign");
            assert_eq!(
                serde_json::to_value(sig).expect("json"),
                serde_json::json!({"r": r, "s": s, "v": v}),
                "{name} ({network:?})"
            );
        }
    }
}
