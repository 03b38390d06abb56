//! `ports()`: sockets waiting for connections or datagrams — TCP in LISTEN state and unconnected
//! UDP sockets, over IPv4 and IPv6 — with the pid that owns each one when we may see it.
//!
//! The original listed every IPv4 socket in every state (established connections included),
//! missed IPv6 (so a Node server on `::` did not show up) and never filled the pid.

use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    /// `"TCP"` or `"UDP"`.
    pub protocol: &'static str,
    pub local_address: String,
    pub local_port: u32,
    pub remote_address: String,
    pub remote_port: u32,
    /// The kernel's state name: `"LISTEN"` for TCP, `"CLOSE"` for an unconnected UDP socket.
    pub state: &'static str,
    /// The lowest pid holding the socket, or `None` when it belongs to a process we may not
    /// inspect (another user's, without privileges).
    pub pid: Option<u32>,
}

#[cfg(target_os = "linux")]
#[path = "ports_linux.rs"]
mod imp;

#[cfg(not(target_os = "linux"))]
mod imp {
    /// Not implemented outside Linux yet: an empty list, as the original returned.
    pub fn listening() -> crate::error::Result<Vec<super::PortInfo>> {
        Ok(Vec::new())
    }
}

pub fn listening() -> Result<Vec<PortInfo>> {
    imp::listening()
}
