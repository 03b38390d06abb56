//! Linux batteries, from sysfs (`Documentation/ABI/testing/sysfs-class-power`).
//!
//! Drivers report either energy (µWh, with power in µW) or charge (µAh, with current in µA and
//! voltage in µV); times are remaining amount over rate, whichever pair is present.

use std::path::{Path, PathBuf};

use super::BatteryInfo;

pub fn read() -> BatteryInfo {
    read_from(Path::new("/sys/class/power_supply"))
}

fn read_from(root: &Path) -> BatteryInfo {
    let mut supplies: Vec<PathBuf> = match std::fs::read_dir(root) {
        Ok(dir) => dir.flatten().map(|e| e.path()).collect(),
        Err(_) => return BatteryInfo::absent(),
    };
    supplies.sort();
    supplies
        .iter()
        .find(|dir| {
            attr(dir, "type").as_deref() == Some("Battery")
                && attr(dir, "scope").as_deref() != Some("Device")
                && attr(dir, "present").as_deref() != Some("0")
        })
        .map_or_else(BatteryInfo::absent, |dir| battery(dir))
}

fn attr(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name)).ok().map(|s| s.trim().to_string())
}

fn battery(dir: &Path) -> BatteryInfo {
    let num = |name: &str| attr(dir, name).and_then(|s| s.parse::<f64>().ok());
    let state = match attr(dir, "status").as_deref() {
        Some("Charging") => "Charging",
        Some("Discharging") => "Discharging",
        Some("Full") => "Full",
        Some("Empty") => "Empty",
        Some("Not charging") => "NotCharging",
        _ => "Unknown",
    };
    let (now, full, rate) = match num("energy_now") {
        Some(energy) => (Some(energy), num("energy_full"), num("power_now").map(f64::abs)),
        None => (num("charge_now"), num("charge_full"), num("current_now").map(f64::abs)),
    };
    let power = num("power_now")
        .map(|uw| uw.abs() / 1e6)
        .or_else(|| Some(num("current_now")?.abs() * num("voltage_now")? / 1e12));
    let hours = |amount: f64| rate.filter(|r| *r > 0.0).map(|r| amount / r * 3600.0);
    BatteryInfo {
        state: state.to_string(),
        percentage: num("capacity")
            .or_else(|| Some(now? / full.filter(|f| *f > 0.0)? * 100.0))
            .map(|p| p.clamp(0.0, 100.0)),
        time_to_full: if state == "Charging" { full.zip(now).and_then(|(f, n)| hours((f - n).max(0.0))) } else { None },
        time_to_empty: if state == "Discharging" { now.and_then(hours) } else { None },
        power_consumption: power,
        is_present: true,
        technology: attr(dir, "technology").unwrap_or_default(),
        vendor: attr(dir, "manufacturer").unwrap_or_default(),
        model: attr(dir, "model_name").unwrap_or_default(),
        serial: attr(dir, "serial_number").unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempTree;

    fn supply(root: &Path, name: &str, attrs: &[(&str, &str)]) {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (k, v) in attrs {
            std::fs::write(dir.join(k), format!("{v}\n")).unwrap();
        }
    }

    #[test]
    fn no_power_supplies_means_no_battery() {
        let t = TempTree::new();
        supply(t.path(), "AC", &[("type", "Mains"), ("online", "1")]);
        assert_eq!(read_from(t.path()), BatteryInfo::absent());
        assert_eq!(read_from(&t.path().join("missing")), BatteryInfo::absent());
    }

    #[test]
    fn an_energy_reporting_battery_that_is_not_bat0_is_found() {
        let t = TempTree::new();
        supply(t.path(), "hidpp_battery_0", &[("type", "Battery"), ("scope", "Device"), ("capacity", "5")]);
        supply(
            t.path(),
            "BAT1",
            &[
                ("type", "Battery"),
                ("status", "Discharging"),
                ("capacity", "50"),
                ("energy_now", "25000000"),  // 25 Wh
                ("energy_full", "50000000"), // 50 Wh
                ("power_now", "12500000"),   // 12.5 W
                ("technology", "Li-ion"),
                ("manufacturer", "ACME"),
            ],
        );
        let b = read_from(t.path());
        assert!(b.is_present);
        assert_eq!(b.state, "Discharging");
        assert_eq!(b.percentage, Some(50.0));
        assert_eq!(b.power_consumption, Some(12.5));
        assert_eq!(b.time_to_empty, Some(7200.0)); // 25 Wh at 12.5 W: two hours
        assert_eq!(b.time_to_full, None);
        assert_eq!((b.technology.as_str(), b.vendor.as_str()), ("Li-ion", "ACME"));
    }

    #[test]
    fn a_charge_reporting_battery_gives_time_to_full() {
        let t = TempTree::new();
        supply(
            t.path(),
            "BAT0",
            &[
                ("type", "Battery"),
                ("status", "Charging"),
                ("charge_now", "1000000"),   // 1 Ah
                ("charge_full", "3000000"),  // 3 Ah
                ("current_now", "2000000"),  // 2 A
                ("voltage_now", "12000000"), // 12 V
            ],
        );
        let b = read_from(t.path());
        assert_eq!(b.percentage.map(|p| (p * 1000.0).round() / 1000.0), Some(33.333));
        assert_eq!(b.time_to_full, Some(3600.0));
        assert_eq!(b.power_consumption, Some(24.0));
    }

    #[test]
    fn not_charging_is_its_own_state() {
        let t = TempTree::new();
        supply(t.path(), "BAT0", &[("type", "Battery"), ("status", "Not charging"), ("capacity", "80")]);
        let b = read_from(t.path());
        assert_eq!(
            (b.state.as_str(), b.percentage, b.time_to_full, b.power_consumption),
            ("NotCharging", Some(80.0), None, None)
        );
    }
}
