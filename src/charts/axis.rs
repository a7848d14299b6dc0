//! A horizontal value axis: maps values to x, and chooses round tick values. Ratio measures
//! are drawn on a log axis labelled in natural units (0.5, 1, 2), so equal ratios in either
//! direction look equally large.

/// A value axis between two x positions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    /// Smallest value shown (analysis scale: log for ratios).
    pub min: f64,
    /// Largest value shown.
    pub max: f64,
    /// x of `min`.
    pub left: f64,
    /// x of `max`.
    pub right: f64,
    /// Values are logs of ratios: label ticks as exp(value).
    pub log: bool,
}

impl Axis {
    /// x position of a value (not clamped).
    pub fn x(&self, value: f64) -> f64 {
        self.left + (value - self.min) / (self.max - self.min) * (self.right - self.left)
    }

    /// True if the value lies within the axis.
    pub fn contains(&self, value: f64) -> bool {
        (self.min..=self.max).contains(&value)
    }

    /// Round tick values with their labels.
    pub fn ticks(&self) -> Vec<(f64, String)> {
        if self.log {
            let candidates: [f64; 19] = [
                0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0,
                50.0, 100.0, 200.0, 500.0, 1000.0,
            ];
            let mut ticks: Vec<(f64, String)> = candidates
                .iter()
                .filter(|r| self.contains(r.ln()))
                .map(|r| (r.ln(), format_tick(*r)))
                .collect();
            if ticks.len() < 3 {
                ticks = linear_ticks(self.min, self.max)
                    .into_iter()
                    .map(|v| (v, format_tick(round_to(v.exp(), 2))))
                    .collect();
            }
            thin(ticks, 9)
        } else {
            linear_ticks(self.min, self.max)
                .into_iter()
                .map(|v| (v, format_tick(v)))
                .collect()
        }
    }
}

fn round_to(value: f64, digits: i32) -> f64 {
    let magnitude = value.abs().log10().floor() as i32;
    let factor = 10f64.powi(digits - 1 - magnitude);
    (value * factor).round() / factor
}

fn thin(ticks: Vec<(f64, String)>, most: usize) -> Vec<(f64, String)> {
    if ticks.len() <= most {
        return ticks;
    }
    let step = ticks.len().div_ceil(most);
    ticks.into_iter().step_by(step).collect()
}

/// Ticks at 1, 2 or 5 × 10ᵏ, about five of them: the smallest such step that cuts the span
/// into at most seven parts, or the step below it when that leaves fewer than three ticks
/// (a span just over seven steps of 20, −99 to 43, had only −50 and 0 with steps of 50; with
/// steps of 20 it has seven).
pub fn linear_ticks(min: f64, max: f64) -> Vec<f64> {
    let span = (max - min).abs().max(f64::MIN_POSITIVE);
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let steps = [0.5, 1.0, 2.0, 5.0, 10.0].map(|m| m * magnitude);
    let chosen = steps[1..]
        .iter()
        .position(|s| span / s <= 7.0)
        .map_or(steps.len() - 1, |i| i + 1);
    let ticks = ticks_every(min, max, steps[chosen]);
    if ticks.len() >= 3 {
        return ticks;
    }
    let finer = ticks_every(min, max, steps[chosen - 1]);
    if finer.len() <= 10 { finer } else { ticks }
}

/// The multiples of `step` from `min` to `max`.
fn ticks_every(min: f64, max: f64, step: f64) -> Vec<f64> {
    let first = (min / step).ceil() as i64;
    let last = (max / step).floor() as i64;
    (first..=last)
        .map(|i| i as f64 * step)
        .map(|v| if v.abs() < step * 1e-9 { 0.0 } else { v })
        .collect()
}

/// A tick label without trailing zeros, its whole part grouped by thousands from 1,000 up like
/// the counts beside it.
pub fn format_tick(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        return "0".to_string();
    }
    let (sign, unsigned) = text
        .strip_prefix('-')
        .map_or(("", text), |rest| ("-", rest));
    let (whole, fraction) = unsigned
        .split_once('.')
        .map_or((unsigned, ""), |(whole, fraction)| (whole, fraction));
    match whole.parse::<u64>() {
        Ok(whole) if whole >= 1000 => {
            let point = if fraction.is_empty() { "" } else { "." };
            format!("{sign}{}{point}{fraction}", crate::numbers::grouped(whole))
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round() {
        assert_eq!(linear_ticks(-1.2, 3.4), vec![-1.0, 0.0, 1.0, 2.0, 3.0]);
        // Just over seven steps of 20: steps of 50 leave two ticks, so 20 it is.
        assert_eq!(
            linear_ticks(-99.1, 43.2),
            vec![-80.0, -60.0, -40.0, -20.0, 0.0, 20.0, 40.0]
        );
        // Never fewer than three where a finer round step gives them.
        for (min, max) in [
            (-99.1, 43.2),
            (0.3, 1.4),
            (-7.9, 6.1),
            (12.0, 97.0),
            (0.0, 1.0),
        ] {
            let ticks = linear_ticks(min, max);
            assert!((3..=10).contains(&ticks.len()), "{min}..{max}: {ticks:?}");
            assert!(ticks.iter().all(|t| (min..=max).contains(t)), "{ticks:?}");
        }
        let labels: Vec<String> = linear_ticks(0.0, 0.9)
            .into_iter()
            .map(format_tick)
            .collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8"]);
        let labels: Vec<String> = [-20_000.0, 999.5, 1000.0, 10_000.0, 2500.5]
            .into_iter()
            .map(format_tick)
            .collect();
        assert_eq!(labels, ["-20,000", "999.5", "1,000", "10,000", "2,500.5"]);
    }

    #[test]
    fn ratio_axes_are_labelled_in_natural_units() {
        let axis = Axis {
            min: 0.1f64.ln(),
            max: 2.0f64.ln(),
            left: 0.0,
            right: 100.0,
            log: true,
        };
        let labels: Vec<String> = axis.ticks().into_iter().map(|(_, l)| l).collect();
        assert_eq!(labels, ["0.1", "0.2", "0.5", "1", "2"]);
        assert!((axis.x(1.0f64.ln()) - 76.86).abs() < 0.01);
    }
}
