//! Linux: `/proc/net/{tcp,tcp6,udp,udp6}` for the sockets, `/proc/<pid>/fd` for their owners.
//!
//! Each table row gives the socket's inode; a process's descriptor pointing at that socket
//! reads as the link `socket:[<inode>]`. The tables are those of this process's network
//! namespace, which is what it can bind to and connect to.

use std::collections::{HashMap, HashSet};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::PortInfo;
use crate::error::{Error, Result};

const TABLES: [(&str, &str); 4] = [("tcp", "TCP"), ("tcp6", "TCP"), ("udp", "UDP"), ("udp6", "UDP")];
const TCP_LISTEN: u8 = 0x0A;
const CLOSE: u8 = 0x07;

struct Socket {
    protocol: &'static str,
    local: SocketAddr,
    remote: SocketAddr,
    state: u8,
    inode: u64,
}

pub fn listening() -> Result<Vec<PortInfo>> {
    listening_in(Path::new("/proc"))
}

fn listening_in(proc: &Path) -> Result<Vec<PortInfo>> {
    let mut sockets = Vec::new();
    for (file, protocol) in TABLES {
        let path = proc.join("net").join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => sockets.extend(parse_table(&text, protocol).filter(is_listening)),
            // No IPv6 in this kernel or namespace.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(e, "ports", "open").path(path)),
        }
    }
    let owners = owners(proc, sockets.iter().map(|s| s.inode).filter(|&i| i != 0).collect());
    let mut ports: Vec<PortInfo> = sockets
        .into_iter()
        .map(|s| PortInfo {
            protocol: s.protocol,
            local_address: s.local.ip().to_string(),
            local_port: s.local.port().into(),
            remote_address: s.remote.ip().to_string(),
            remote_port: s.remote.port().into(),
            state: state_name(s.state),
            pid: owners.get(&s.inode).copied(),
        })
        .collect();
    ports.sort_by(|a, b| {
        (a.protocol, a.local_port, &a.local_address).cmp(&(b.protocol, b.local_port, &b.local_address))
    });
    Ok(ports)
}

fn is_listening(s: &Socket) -> bool {
    match s.protocol {
        "TCP" => s.state == TCP_LISTEN,
        _ => s.state == CLOSE && s.remote.port() == 0 && s.remote.ip().is_unspecified(),
    }
}

/// Rows: `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …`.
fn parse_table<'a>(text: &'a str, protocol: &'static str) -> impl Iterator<Item = Socket> + 'a {
    text.lines().skip(1).filter_map(move |line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        Some(Socket {
            protocol,
            local: parse_address(f.get(1)?)?,
            remote: parse_address(f.get(2)?)?,
            state: u8::from_str_radix(f.get(3)?, 16).ok()?,
            inode: f.get(9)?.parse().ok()?,
        })
    })
}

/// `0100007F:1F90` (127.0.0.1:8080 on a little-endian machine). The kernel prints each 32-bit
/// word of the address as a number in host byte order, so the bytes are the word's native ones.
fn parse_address(text: &str) -> Option<SocketAddr> {
    let (hex, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| hex.get(i * 8..i * 8 + 8).and_then(|w| u32::from_str_radix(w, 16).ok()).map(u32::to_ne_bytes);
    let ip = match hex.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

fn state_name(state: u8) -> &'static str {
    match state {
        0x01 => "ESTABLISHED",
        0x02 => "SYN_SENT",
        0x03 => "SYN_RECV",
        0x04 => "FIN_WAIT1",
        0x05 => "FIN_WAIT2",
        0x06 => "TIME_WAIT",
        0x07 => "CLOSE",
        0x08 => "CLOSE_WAIT",
        0x09 => "LAST_ACK",
        0x0A => "LISTEN",
        0x0B => "CLOSING",
        _ => "UNKNOWN",
    }
}

/// Socket inode → the lowest pid holding it. Processes we may not inspect are skipped.
fn owners(proc: &Path, mut wanted: HashSet<u64>) -> HashMap<u64, u32> {
    let mut found = HashMap::new();
    if wanted.is_empty() {
        return found;
    }
    let mut pids: Vec<u32> = match std::fs::read_dir(proc) {
        Ok(dir) => dir.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect(),
        Err(_) => return found,
    };
    pids.sort_unstable();
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(proc.join(pid.to_string()).join("fd")) else { continue };
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else { continue };
            let inode = target
                .as_os_str()
                .as_bytes()
                .strip_prefix(b"socket:[")
                .and_then(|rest| rest.strip_suffix(b"]"))
                .and_then(|digits| std::str::from_utf8(digits).ok()?.parse::<u64>().ok());
            if let Some(inode) = inode.filter(|i| wanted.remove(i)) {
                found.insert(inode, pid);
                if wanted.is_empty() {
                    return found;
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    #[cfg(target_endian = "little")]
    #[test]
    fn addresses_decode_in_host_byte_order() {
        assert_eq!(parse_address("0100007F:1F90"), Some("127.0.0.1:8080".parse().unwrap()));
        assert_eq!(parse_address("00000000000000000000000001000000:0050"), Some("[::1]:80".parse().unwrap()));
        assert_eq!(
            parse_address("0000000000000000FFFF00000100007F:0035"),
            Some("[::ffff:127.0.0.1]:53".parse().unwrap())
        );
        assert_eq!(parse_address("nonsense"), None);
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn only_listeners_and_unconnected_udp_are_kept_with_their_owner() {
        let t = TempTree::new();
        let net = t.path().join("net");
        std::fs::create_dir_all(&net).unwrap();
        let header =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        std::fs::write(
            net.join("tcp"),
            format!(
                "{header}   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0 100 0 0 10 0\n   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2222 1 0 20 4 30 10 -1\n"
            ),
        )
        .unwrap();
        std::fs::write(
            net.join("udp6"),
            format!(
                "{header}  10: 00000000000000000000000000000000:14E9 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3333 2 0 0\n"
            ),
        )
        .unwrap();
        let fd_dir = t.path().join("42").join("fd");
        std::fs::create_dir_all(&fd_dir).unwrap();
        std::os::unix::fs::symlink("socket:[1111]", fd_dir.join("3")).unwrap();
        std::os::unix::fs::symlink("/dev/null", fd_dir.join("0")).unwrap();

        let ports = listening_in(t.path()).unwrap();
        assert_eq!(
            ports,
            vec![
                PortInfo {
                    protocol: "TCP",
                    local_address: "127.0.0.1".into(),
                    local_port: 8080,
                    remote_address: "0.0.0.0".into(),
                    remote_port: 0,
                    state: "LISTEN",
                    pid: Some(42),
                },
                PortInfo {
                    protocol: "UDP",
                    local_address: "::".into(),
                    local_port: 5353,
                    remote_address: "::".into(),
                    remote_port: 0,
                    state: "CLOSE",
                    pid: None,
                },
            ]
        );
    }

    #[test]
    fn a_listening_socket_of_this_process_is_found_with_its_pid() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = u32::from(listener.local_addr().unwrap().port());
        let ports = listening().unwrap();
        let mine = ports.iter().find(|p| p.protocol == "TCP" && p.local_port == port).expect("listener listed");
        assert_eq!(mine.pid, Some(std::process::id()));
        assert_eq!(mine.local_address, "127.0.0.1");
    }
}
