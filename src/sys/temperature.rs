//! `temp()`: temperature sensors (hwmon on Linux, SMC on macOS, WMI on Windows).
//!
//! A sensor that gives no reading has `current: None`; averages and maxima use only real
//! readings, and are `None` when there are none (virtual machines and containers usually have
//! no sensors). The original counted missing readings as 0 °C.

use serde::Serialize;
use sysinfo::Components;

#[derive(Debug, Clone, Serialize)]
pub struct Sensor {
    pub label: String,
    /// °C.
    pub current: Option<f64>,
    pub critical: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThermalStats {
    pub components: Vec<Sensor>,
    pub average_temp: Option<f64>,
    pub max_temp: Option<f64>,
    /// Sensors at or above their critical temperature.
    pub critical_count: u32,
}

#[derive(Default)]
pub struct Sensors {
    components: Option<Components>,
}

impl Sensors {
    pub fn read(&mut self) -> ThermalStats {
        let sensors = match &mut self.components {
            Some(c) => {
                c.refresh(true);
                c.iter().map(sensor).collect()
            }
            None => match Components::new_with_refreshed_list() {
                Ok(c) => self.components.insert(c).iter().map(sensor).collect(),
                Err(_) => Vec::new(),
            },
        };
        summarise(sensors)
    }
}

fn reading(v: Option<f32>) -> Option<f64> {
    v.filter(|t| t.is_finite()).map(f64::from)
}

fn sensor(c: &sysinfo::Component) -> Sensor {
    Sensor {
        label: c.label().to_string(),
        current: reading(c.temperature()),
        critical: reading(c.critical()),
        max: reading(c.max()),
    }
}

fn summarise(components: Vec<Sensor>) -> ThermalStats {
    let readings: Vec<f64> = components.iter().filter_map(|s| s.current).collect();
    ThermalStats {
        average_temp: (!readings.is_empty()).then(|| readings.iter().sum::<f64>() / readings.len() as f64),
        max_temp: readings.iter().copied().reduce(f64::max),
        critical_count: components
            .iter()
            .filter(|s| matches!((s.current, s.critical), (Some(t), Some(c)) if t >= c))
            .count() as u32,
        components,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(current: Option<f64>, critical: Option<f64>) -> Sensor {
        Sensor { label: "x".into(), current, critical, max: None }
    }

    #[test]
    fn missing_readings_do_not_count_as_zero() {
        let t = summarise(vec![s(Some(40.0), None), s(None, None), s(Some(-5.0), None)]);
        assert_eq!(t.average_temp, Some(17.5));
        assert_eq!(t.max_temp, Some(40.0));
    }

    #[test]
    fn no_sensors_means_no_average() {
        let t = summarise(vec![]);
        assert_eq!((t.average_temp, t.max_temp, t.critical_count), (None, None, 0));
    }

    #[test]
    fn critical_sensors_are_counted() {
        let t = summarise(vec![s(Some(100.0), Some(95.0)), s(Some(50.0), Some(95.0)), s(None, Some(1.0))]);
        assert_eq!(t.critical_count, 1);
    }
}
