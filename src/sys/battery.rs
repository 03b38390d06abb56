//! `battery()`: the system battery (Linux: the first `/sys/class/power_supply` entry of type
//! `Battery` that powers the system, not a mouse or a headset).
//!
//! The original only looked at `BAT0` and never filled the time and power fields. Values that
//! the system does not report are `None`. Without a battery, `is_present` is false.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatteryInfo {
    /// `"Charging"`, `"Discharging"`, `"Full"`, `"Empty"`, `"NotCharging"` (plugged in, held
    /// below full) or `"Unknown"`.
    pub state: String,
    /// 0–100.
    pub percentage: Option<f64>,
    /// Seconds until full, while charging.
    pub time_to_full: Option<f64>,
    /// Seconds until empty, while discharging.
    pub time_to_empty: Option<f64>,
    /// Watts flowing in or out.
    pub power_consumption: Option<f64>,
    pub is_present: bool,
    pub technology: String,
    pub vendor: String,
    pub model: String,
    pub serial: String,
}

impl BatteryInfo {
    pub fn absent() -> Self {
        BatteryInfo {
            state: "Unknown".into(),
            percentage: None,
            time_to_full: None,
            time_to_empty: None,
            power_consumption: None,
            is_present: false,
            technology: String::new(),
            vendor: String::new(),
            model: String::new(),
            serial: String::new(),
        }
    }
}

#[cfg(target_os = "linux")]
#[path = "battery_linux.rs"]
mod imp;

#[cfg(not(target_os = "linux"))]
mod imp {
    /// Not implemented outside Linux yet: reported as no battery.
    pub fn read() -> super::BatteryInfo {
        super::BatteryInfo::absent()
    }
}

pub use imp::read;
