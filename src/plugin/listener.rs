//! Where the plugin listens: a unix socket in a fresh private directory, as
//! go-plugin's own servers do, or TCP on loopback where that is impossible.

use std::io;
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

/// A directory only this user can enter, removed with everything in it when
/// dropped, so no socket outlives the process.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    /// Makes a fresh directory (mode 0700) under `parent`.
    pub fn create(parent: &Path) -> io::Result<PrivateDir> {
        for attempt in 0..16u32 {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .subsec_nanos();
            let name = format!(
                "tf-ncloud-{}-{:x}",
                std::process::id(),
                nanos.wrapping_add(attempt)
            );
            let path = parent.join(name);
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(PrivateDir { path }),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(error) => return Err(error),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no fresh directory name was free",
        ))
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A bound listener and what the handshake line says of it.
pub enum Listener {
    Unix {
        listener: UnixListener,
        path: PathBuf,
    },
    Tcp {
        listener: TcpListener,
        address: String,
    },
}

impl Listener {
    /// Binds a unix socket in a private directory under `socket_dir` (or
    /// the system's temporary directory). The socket lives as long as the
    /// directory returned with it.
    pub fn unix(socket_dir: Option<&str>) -> io::Result<(Listener, PrivateDir)> {
        let parent = socket_dir
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = PrivateDir::create(&parent)?;
        let path = dir.path().join("plugin.sock");
        let listener = UnixListener::bind(&path)?;
        Ok((Listener::Unix { listener, path }, dir))
    }

    /// Binds the first free port of `min..=max` on 127.0.0.1.
    pub async fn tcp(min: u16, max: u16) -> io::Result<Listener> {
        for port in min..=max {
            if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)).await {
                let address = listener.local_addr()?.to_string();
                return Ok(Listener::Tcp { listener, address });
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("no free port in {min}..={max}"),
        ))
    }

    /// `unix` or `tcp`, as the handshake line says it.
    pub fn network(&self) -> &'static str {
        match self {
            Listener::Unix { .. } => "unix",
            Listener::Tcp { .. } => "tcp",
        }
    }

    /// The address, as the handshake line says it.
    pub fn address(&self) -> String {
        match self {
            Listener::Unix { path, .. } => path.display().to_string(),
            Listener::Tcp { address, .. } => address.clone(),
        }
    }

    /// Waits for the next connection.
    pub async fn accept(&self) -> io::Result<Connection> {
        match self {
            Listener::Unix { listener, .. } => Ok(Connection::Unix(listener.accept().await?.0)),
            Listener::Tcp { listener, .. } => {
                let (stream, _) = listener.accept().await?;
                // gRPC sends many small frames; Nagle's delay would add up.
                stream.set_nodelay(true)?;
                Ok(Connection::Tcp(stream))
            }
        }
    }
}

/// One accepted connection, of either kind.
pub enum Connection {
    Unix(UnixStream),
    Tcp(TcpStream),
}

macro_rules! delegate {
    ($self:ident, $stream:ident => $call:expr) => {
        match $self.get_mut() {
            Connection::Unix($stream) => $call,
            Connection::Tcp($stream) => $call,
        }
    };
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        delegate!(self, stream => Pin::new(stream).poll_read(cx, buf))
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        delegate!(self, stream => Pin::new(stream).poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, stream => Pin::new(stream).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate!(self, stream => Pin::new(stream).poll_shutdown(cx))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        delegate!(self, stream => Pin::new(stream).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Connection::Unix(stream) => stream.is_write_vectored(),
            Connection::Tcp(stream) => stream.is_write_vectored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[tokio::test]
    async fn unix_socket_lives_in_a_private_directory_removed_on_drop() {
        let parent = tempfile::tempdir().unwrap();
        let (listener, guard) = Listener::unix(parent.path().to_str()).unwrap();
        let socket = PathBuf::from(listener.address());
        let dir = socket.parent().unwrap().to_path_buf();
        assert_eq!(guard.path(), dir);
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert!(socket.exists());
        assert_eq!(listener.network(), "unix");
        drop(guard);
        assert!(!dir.exists());
    }

    #[tokio::test]
    async fn tcp_binds_loopback_within_the_range() {
        let listener = Listener::tcp(20_000, 20_100).await.unwrap();
        let address = listener.address();
        assert!(address.starts_with("127.0.0.1:"));
        let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();
        assert!((20_000..=20_100).contains(&port));
        let client = TcpStream::connect(&address);
        let (accepted, _) = tokio::join!(listener.accept(), client);
        assert!(matches!(accepted.unwrap(), Connection::Tcp(_)));
    }
}
