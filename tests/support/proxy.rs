//! A TCP proxy a test puts between the app and a dependency (PostgreSQL) to make that
//! dependency misbehave on cue. Include with `#[path = "../support/proxy.rs"] mod proxy;`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Bytes pass both ways.
    None,
    /// Bytes are held in both directions and new connections wait, as with a database that
    /// hangs instead of refusing.
    Stall,
    /// Open connections are cut and new ones closed at once, as with a database that is gone.
    Sever,
}

/// A proxy to `target` on a free loopback port.
pub struct FaultyProxy {
    pub addr: SocketAddr,
    fault: watch::Sender<Fault>,
}

impl FaultyProxy {
    /// Runs on a thread of its own, so a test may block its runtime (starting a process)
    /// while the app behind it talks through the proxy; stops when dropped.
    pub fn start(target: String) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (fault, faults) = watch::channel(Fault::None);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(accept_loop(listener, target, faults));
        });
        Self { addr, fault }
    }

    /// A proxy in front of the PostgreSQL server of `database_url`, and that URL with the
    /// proxy's address instead.
    pub fn in_front_of(database_url: &str) -> (Self, String) {
        let mut url = url::Url::parse(database_url).unwrap();
        let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
        let proxy = Self::start(target);
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(proxy.addr.port())).unwrap();
        (proxy, url.into())
    }

    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }
}

/// Proxies every connection until the [`FaultyProxy`] is dropped.
async fn accept_loop(listener: std::net::TcpListener, target: String, mut faults: watch::Receiver<Fault>) {
    let listener = TcpListener::from_std(listener).unwrap();
    loop {
        let client = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => client,
                Err(_) => continue,
            },
            changed = faults.changed() => match changed {
                Ok(()) => continue,
                Err(_) => return,
            },
        };
        let (mut faults, target) = (faults.clone(), target.clone());
        tokio::spawn(async move {
            if !passable(&mut faults).await {
                return;
            }
            let Ok(server) = TcpStream::connect(&target).await else {
                return;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pump(cr, sw, faults.clone()));
            tokio::spawn(pump(sr, cw, faults));
        });
    }
}

/// Copies `from` to `to` while the fault allows: held while stalled, ended when severed
/// (both halves of a side dropped: the connection closes).
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut faults: watch::Receiver<Fault>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            severed = faults.wait_for(|f| *f == Fault::Sever) => {
                let _ = severed;
                return;
            }
        };
        if !passable(&mut faults).await {
            return;
        }
        let written = tokio::time::timeout(Duration::from_secs(30), to.write_all(&buf[..n])).await;
        if !matches!(written, Ok(Ok(()))) {
            return;
        }
    }
}

/// Waits out a stall; whether bytes may pass then (not when severed, or the proxy is gone).
async fn passable(faults: &mut watch::Receiver<Fault>) -> bool {
    let fault = faults.wait_for(|f| *f != Fault::Stall).await.map(|f| *f);
    matches!(fault, Ok(Fault::None))
}
