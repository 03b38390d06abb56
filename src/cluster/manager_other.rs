//! Outside Linux the cluster is not available yet: supervision relies on pidfds and on a
//! parent-death signal. `start` says so with `ERR_XSYS_UNSUPPORTED`; nothing else is reachable.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::{Config, EventSink, WorkerInfo};
use crate::error::{Error, Result};

pub struct Cluster;

impl Cluster {
    pub fn start(_config: Config, _sink: Arc<dyn EventSink>, _start_seq: u32) -> Result<Cluster> {
        Err(Error::new("ERR_XSYS_UNSUPPORTED", "cluster", "worker supervision is only implemented on Linux"))
    }

    pub fn write(&self, _id: u32, _frames: &[u8]) -> Result<bool> {
        unreachable!("no Cluster exists on this platform")
    }

    pub fn broadcast(&self, _frames: &[u8]) -> Vec<u32> {
        unreachable!("no Cluster exists on this platform")
    }

    pub fn reload(&self, _seq: u32) -> Result<()> {
        unreachable!("no Cluster exists on this platform")
    }

    pub fn stop(&self, _timeout: Duration) {}

    pub fn workers(&self) -> Vec<WorkerInfo> {
        Vec::new()
    }

    pub fn address(&self) -> Option<SocketAddr> {
        None
    }

    pub fn join(&mut self) {}
}
