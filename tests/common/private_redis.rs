//! [`PrivateRedis`]: a `redis-server` of the test's own, for faults the shared Redis must not
//! see (FLUSHALL, restarts, memory limits).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{free_port, scratch_dir};

/// A `redis-server` of the test's own on a free port, killed on drop.
pub struct PrivateRedis {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    aof: bool,
    child: Child,
}

impl PrivateRedis {
    /// A server without persistence: `FLUSHALL` or a restart leaves it empty.
    pub fn start() -> PrivateRedis {
        PrivateRedis::launch(free_port(), scratch_dir("redis"), false)
    }

    /// A server that appends every write to its AOF (`appendfsync always`): a restart, even
    /// after SIGKILL, finds every acknowledged write.
    pub fn start_with_aof() -> PrivateRedis {
        PrivateRedis::launch(free_port(), scratch_dir("redis-aof"), true)
    }

    fn launch(port: u16, dir: PathBuf, aof: bool) -> PrivateRedis {
        std::fs::create_dir_all(&dir).expect("redis dir");
        let mut cmd = Command::new("redis-server");
        cmd.args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .arg("--dir")
        .arg(&dir);
        if aof {
            cmd.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            cmd.args(["--appendonly", "no"]);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        let redis = PrivateRedis {
            port,
            dir,
            aof,
            child,
        };
        let up = (0..250).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            redis.cli(&["PING"]).contains("PONG")
        });
        assert!(up, "private redis-server did not start");
        redis
    }

    /// SIGKILL, then the same server again on the same port and data directory.
    pub fn kill_9_and_restart(self) -> PrivateRedis {
        self.kill_9().restart()
    }

    /// SIGKILL: Redis is away until [`StoppedRedis::restart`].
    pub fn kill_9(self) -> StoppedRedis {
        let stopped = StoppedRedis {
            port: self.port,
            dir: self.dir.clone(),
            aof: self.aof,
        };
        drop(self);
        stopped
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `redis-cli` against this server; its output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli on PATH");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// A [`PrivateRedis`] killed, with its port and data directory kept.
pub struct StoppedRedis {
    port: u16,
    dir: PathBuf,
    aof: bool,
}

impl StoppedRedis {
    /// The same server again on the same port and data directory.
    pub fn restart(self) -> PrivateRedis {
        PrivateRedis::launch(self.port, self.dir, self.aof)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
