//! Outside Linux: the host's memory through sysinfo (which asks the system: `host_statistics64`
//! on macOS, `GlobalMemoryStatusEx` on Windows).

use std::sync::Mutex;

use sysinfo::{MemoryRefreshKind, System};

use super::Host;
use crate::sys::lock;

pub struct Source {
    system: Mutex<System>,
}

impl Source {
    pub fn new() -> Result<Self, sysinfo::Error> {
        Ok(Source { system: Mutex::new(System::new()?) })
    }

    pub fn read(&self) -> Host {
        let mut s = lock(&self.system);
        s.refresh_memory_specifics(MemoryRefreshKind::everything());
        Host {
            total: s.total_memory(),
            available: s.available_memory(),
            free: s.free_memory(),
            swap_total: s.total_swap(),
            swap_free: s.free_swap(),
        }
    }
}
