//! `network()`: interfaces with their addresses, byte totals and throughput.
//!
//! Throughput is measured since the previous sample (see `rates`), over the real elapsed time;
//! the first sample is taken when the module loads. Totals and speeds of the whole machine leave
//! out loopback interfaces: traffic a process sends to itself is not network traffic. Interfaces
//! come sorted by name.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

use serde::Serialize;
use sysinfo::Networks;

use super::rates::Rate;

#[derive(Debug, Clone, Serialize)]
pub struct NetworkInterface {
    pub name: String,
    /// Bytes received since the interface came up.
    pub received: f64,
    pub transmitted: f64,
    pub packets_received: f64,
    pub packets_transmitted: f64,
    pub errors_received: f64,
    pub errors_transmitted: f64,
    /// `xx:xx:xx:xx:xx:xx`; all zeros for loopback and tunnels.
    pub mac_address: String,
    /// IPv4 and IPv6 addresses, without prefix length.
    pub ip_addresses: Vec<String>,
    pub is_loopback: bool,
    /// Bytes per second over the latest window (0 until one has completed).
    pub download_speed: f64,
    pub upload_speed: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NetworkStats {
    /// Sums over the non-loopback interfaces.
    pub total_received: f64,
    pub total_transmitted: f64,
    /// Bytes per second, summed over the non-loopback interfaces.
    pub download_speed: f64,
    pub upload_speed: f64,
    pub interfaces: Vec<NetworkInterface>,
}

struct Throughput {
    rx: Rate,
    tx: Rate,
}

pub struct Interfaces {
    networks: Networks,
    throughput: HashMap<String, Throughput>,
}

impl Interfaces {
    pub fn new() -> Result<Self, sysinfo::Error> {
        Ok(Interfaces { networks: Networks::new()?, throughput: HashMap::new() })
    }

    pub fn read(&mut self) -> NetworkStats {
        self.networks.refresh(true);
        let now = Instant::now();
        let mut interfaces: Vec<NetworkInterface> = self
            .networks
            .iter()
            .map(|(name, data)| {
                let name = name.to_string_lossy().into_owned();
                let (rx, tx) = (data.total_received(), data.total_transmitted());
                let t = self
                    .throughput
                    .entry(name.clone())
                    .or_insert_with(|| Throughput { rx: Rate::start(rx, now), tx: Rate::start(tx, now) });
                let download = t.rx.observe(rx, now).unwrap_or(0.0);
                let upload = t.tx.observe(tx, now).unwrap_or(0.0);
                let ips: Vec<IpAddr> = data.ip_networks().iter().map(|n| n.addr).collect();
                NetworkInterface {
                    is_loopback: is_loopback(&name, &ips),
                    name,
                    received: rx as f64,
                    transmitted: tx as f64,
                    packets_received: data.total_packets_received() as f64,
                    packets_transmitted: data.total_packets_transmitted() as f64,
                    errors_received: data.total_errors_on_received() as f64,
                    errors_transmitted: data.total_errors_on_transmitted() as f64,
                    mac_address: data.mac_address().to_string(),
                    ip_addresses: ips.iter().map(IpAddr::to_string).collect(),
                    download_speed: download,
                    upload_speed: upload,
                }
            })
            .collect();
        self.throughput.retain(|name, _| interfaces.iter().any(|i| &i.name == name));
        interfaces.sort_by(|a, b| a.name.cmp(&b.name));
        summarise(interfaces)
    }
}

fn summarise(interfaces: Vec<NetworkInterface>) -> NetworkStats {
    let external = || interfaces.iter().filter(|i| !i.is_loopback);
    NetworkStats {
        total_received: external().map(|i| i.received).sum(),
        total_transmitted: external().map(|i| i.transmitted).sum(),
        download_speed: external().map(|i| i.download_speed).sum(),
        upload_speed: external().map(|i| i.upload_speed).sum(),
        interfaces,
    }
}

/// `lo` (Linux), `lo0` (macOS, BSD), or an interface whose addresses are all loopback ones.
fn is_loopback(name: &str, ips: &[IpAddr]) -> bool {
    name == "lo" || name == "lo0" || (!ips.is_empty() && ips.iter().all(IpAddr::is_loopback))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, received: f64, loopback: bool) -> NetworkInterface {
        NetworkInterface {
            name: name.into(),
            received,
            transmitted: received / 2.0,
            packets_received: 0.0,
            packets_transmitted: 0.0,
            errors_received: 0.0,
            errors_transmitted: 0.0,
            mac_address: "00:00:00:00:00:00".into(),
            ip_addresses: vec![],
            is_loopback: loopback,
            download_speed: received / 10.0,
            upload_speed: 0.0,
        }
    }

    #[test]
    fn totals_leave_out_loopback() {
        let s = summarise(vec![iface("eth0", 1000.0, false), iface("lo", 5000.0, true), iface("eth1", 10.0, false)]);
        assert_eq!((s.total_received, s.total_transmitted, s.download_speed), (1010.0, 505.0, 101.0));
        assert_eq!(s.interfaces.len(), 3);
    }

    #[test]
    fn loopback_is_recognised_by_name_or_addresses() {
        assert!(is_loopback("lo", &[]));
        assert!(is_loopback("weird", &["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()]));
        assert!(!is_loopback("eth0", &["10.0.0.2".parse().unwrap(), "127.0.0.1".parse().unwrap()]));
        assert!(!is_loopback("eth0", &[]));
    }

    #[test]
    fn the_real_interfaces_are_sorted_and_include_loopback_addresses() {
        let stats = Interfaces::new().unwrap().read();
        let names: Vec<_> = stats.interfaces.iter().map(|i| i.name.clone()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        if let Some(lo) = stats.interfaces.iter().find(|i| i.name == "lo") {
            assert!(lo.is_loopback && lo.ip_addresses.contains(&"127.0.0.1".to_string()));
        }
    }
}
