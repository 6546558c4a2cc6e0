//! A `RedisBus` survives a Redis restart: while Redis is down commands fail cleanly within
//! the timeout; once it is back the same client publishes and consumes again.

mod common;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flashmm_bus::{Bus, BusError, Consumer, ConsumerConfig, RedisBus, RedisBusConfig};

use common::{tick, tick_envelope, unique_namespace, Tick};

/// A private `redis-server` child, killed on drop.
struct Server {
    child: Child,
}

impl Server {
    fn start(port: u16) -> Server {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

#[tokio::test]
async fn survives_a_redis_restart() {
    let port = free_port();
    let mut server = Server::start(port);
    let config = RedisBusConfig {
        command_timeout: Duration::from_millis(500),
        reconnect_max_delay: Duration::from_millis(200),
        ..RedisBusConfig::new(format!("redis://127.0.0.1:{port}"))
    };
    let bus = RedisBus::connect(config).await.expect("connect");
    let ns = unique_namespace("restart");
    let stream = ns.md("SEI-USDC").unwrap();
    let consumer_config = ConsumerConfig {
        block: Duration::from_millis(200),
        ..ConsumerConfig::new("workers", "w1")
    };

    bus.publish(&stream, &tick_envelope(1))
        .await
        .expect("publish before the restart");
    assert_eq!(bus.len(&stream).await.unwrap(), 1);

    server.kill();
    let started = Instant::now();
    let down = bus.publish(&stream, &tick_envelope(2)).await;
    assert!(matches!(down, Err(BusError::Unavailable(_))), "{down:?}");
    let blocked = bus
        .read_group(&stream, "workers", "w1", 10, Duration::from_millis(200))
        .await;
    assert!(
        matches!(blocked, Err(BusError::Unavailable(_))),
        "{blocked:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "commands while down took {:?}",
        started.elapsed()
    );

    let _server = Server::start(port);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match bus.ping().await {
            Ok(()) => break,
            Err(err) => {
                assert!(Instant::now() < deadline, "no reconnect: {err}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    // The new server started empty (no persistence): the same client works again.
    let mut consumer =
        Consumer::<Tick, RedisBus>::start(bus.clone(), stream.clone(), consumer_config)
            .await
            .expect("group after the restart");
    let id = bus
        .publish(&stream, &tick_envelope(3))
        .await
        .expect("publish after the restart");
    let mut got = Vec::new();
    for _ in 0..20 {
        got.extend(consumer.next_batch().await.expect("read after the restart"));
        if !got.is_empty() {
            break;
        }
    }
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, id);
    assert_eq!(got[0].msg, tick(3));
    assert_eq!(consumer.ack(&[id]).await.unwrap(), 1);
    bus.purge(&ns).await.unwrap();
    bus.quit().await.unwrap();
}
