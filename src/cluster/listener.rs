//! The shared port: one listening socket bound by the manager and inherited by every worker.
//! The kernel queues connections on it whichever worker is up, so a worker's restart or a
//! rolling reload never refuses one.

use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};

use socket2::{Domain, Socket, Type};

use super::Listen;
use crate::error::{Error, Result};

pub struct SharedListener {
    socket: Socket,
    pub address: SocketAddr,
}

impl AsRawFd for SharedListener {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

impl SharedListener {
    pub fn bind(listen: &Listen) -> Result<Self> {
        let addr = (listen.host.as_str(), listen.port)
            .to_socket_addrs()
            .map_err(|e| Error::io(e, "listen", "getaddrinfo"))?
            .next()
            .ok_or_else(|| Error::new("ENOTFOUND", "listen", format!("no address for host '{}'", listen.host)))?;
        // socket2 creates the socket close-on-exec: only the dup2'd copy reaches workers.
        let socket =
            Socket::new(Domain::for_address(addr), Type::STREAM, None).map_err(|e| Error::io(e, "listen", "socket"))?;
        socket.set_reuse_address(true).map_err(|e| Error::io(e, "listen", "setsockopt"))?;
        if addr.is_ipv6() && addr.ip().is_unspecified() {
            // '::' accepts IPv4 too, as Node's default listen does.
            let _ = socket.set_only_v6(false);
        }
        socket.bind(&addr.into()).map_err(|e| Error::io(e, "listen", "bind"))?;
        socket.listen(listen.backlog).map_err(|e| Error::io(e, "listen", "listen"))?;
        let address = socket
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .ok_or_else(|| Error::new("EINVAL", "listen", "the bound socket has no IP address"))?;
        Ok(SharedListener { socket, address })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_port_zero_reports_the_chosen_port() {
        let l = SharedListener::bind(&Listen { host: "127.0.0.1".into(), port: 0, backlog: 16 }).unwrap();
        assert_ne!(l.address.port(), 0);
        assert!(std::net::TcpStream::connect(l.address).is_ok(), "connections queue on the socket");
    }

    #[test]
    fn a_port_in_use_is_eaddrinuse() {
        let first = SharedListener::bind(&Listen { host: "127.0.0.1".into(), port: 0, backlog: 16 }).unwrap();
        let again = SharedListener::bind(&Listen { host: "127.0.0.1".into(), port: first.address.port(), backlog: 16 });
        let err = again.err().unwrap();
        assert_eq!(err.code, "EADDRINUSE");
        assert_eq!(err.syscall, Some("bind"));
    }
}
