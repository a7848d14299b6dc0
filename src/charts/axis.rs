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
        if self.log && (self.max - self.min) / std::f64::consts::LN_10 > LOG_CANDIDATE_DECADES {
            return power_of_ten_ticks(self.min, self.max);
        }
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
            labelled_linear_ticks(self.min, self.max)
        }
    }
}

/// Decades a log axis may span and still be ticked at 1, 2 and 5 × 10ᵏ from 0.001 to 1,000;
/// past it, at powers of ten across the whole axis ([`power_of_ten_ticks`]).
const LOG_CANDIDATE_DECADES: f64 = 6.0;

/// Ticks of a log axis (values are natural logs) at powers of ten, every so many decades that
/// at most nine fit, labelled `0.001`…`1,000` and `1e-5`, `1e12` beyond. (The 1-2-5 candidates
/// from 0.001 to 1,000 bunched in the middle of an axis spanning hundreds of decades, one label
/// over another.) Computed, not counted out decade by decade, so that an axis of any span gives
/// at most nine.
fn power_of_ten_ticks(min: f64, max: f64) -> Vec<(f64, String)> {
    let (first, last) = (
        (min / std::f64::consts::LN_10).ceil(),
        (max / std::f64::consts::LN_10).floor(),
    );
    if !(first.is_finite() && last.is_finite() && first <= last) {
        return Vec::new();
    }
    let every = ((last - first) / 8.0).ceil().max(1.0);
    let start = (first / every).ceil() * every;
    (0..9)
        .map(|i| start + every * f64::from(i))
        .take_while(|k| *k <= last)
        .map(|k| {
            let label = if k.abs() <= 3.0 {
                format_tick(10f64.powf(k))
            } else {
                format!("1e{k}")
            };
            (k * std::f64::consts::LN_10, label)
        })
        .collect()
}

/// [`linear_ticks`] with labels that tell them apart: [`format_tick`] while the step is at
/// least 0.001, else as many decimals as the step needs, or scientific notation past six
/// (an axis from -1.5e-150 to 1.5e-150 was labelled 0, 0, 0, 0, 0).
pub fn labelled_linear_ticks(min: f64, max: f64) -> Vec<(f64, String)> {
    let ticks = linear_ticks(min, max);
    let step = match ticks.as_slice() {
        [a, b, ..] => b - a,
        _ => f64::INFINITY,
    };
    ticks
        .into_iter()
        .map(|v| (v, tick_label(v, step)))
        .collect()
}

/// A tick label precise enough for ticks `step` apart.
fn tick_label(value: f64, step: f64) -> String {
    if !(step.is_finite() && step < 1e-3) || value == 0.0 {
        return format_tick(value);
    }
    let decimals = (-step.log10()).ceil() as usize;
    if decimals <= 6 {
        return tick_with_decimals(value, decimals);
    }
    let digits = (value.abs().log10().floor() - step.log10().floor()).max(0.0) as usize;
    let text = format!("{value:.digits$e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => format!(
            "{}e{exponent}",
            mantissa.trim_end_matches('0').trim_end_matches('.')
        ),
        _ => text,
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
    if !(min.is_finite() && max.is_finite() && span.is_finite()) {
        return Vec::new();
    }
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

/// A tick label to three decimals without trailing zeros, its whole part grouped by thousands
/// from 1,000 up like the counts beside it.
pub fn format_tick(value: f64) -> String {
    tick_with_decimals(value, 3)
}

/// [`format_tick`] with up to `decimals` decimals.
fn tick_with_decimals(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
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
    fn ticks_closer_than_a_thousandth_keep_their_labels_apart() {
        let labels = |min: f64, max: f64| -> Vec<String> {
            labelled_linear_ticks(min, max)
                .into_iter()
                .map(|(_, label)| label)
                .collect()
        };
        assert_eq!(
            labels(-0.0003, 0.0007),
            ["-0.0002", "0", "0.0002", "0.0004", "0.0006"]
        );
        assert_eq!(
            labels(-1.5e-150, 1.5e-150),
            [
                "-1.5e-150",
                "-1e-150",
                "-5e-151",
                "0",
                "5e-151",
                "1e-150",
                "1.5e-150"
            ]
        );
        // Steps of 0.001 and up are labelled as before.
        assert_eq!(labels(0.0, 0.9), ["0", "0.2", "0.4", "0.6", "0.8"]);
    }

    #[test]
    fn log_axes_over_many_decades_are_ticked_at_powers_of_ten() {
        let axis = |min: f64, max: f64| Axis {
            min: min * std::f64::consts::LN_10,
            max: max * std::f64::consts::LN_10,
            left: 0.0,
            right: 100.0,
            log: true,
        };
        let labels = |a: Axis| -> Vec<String> { a.ticks().into_iter().map(|(_, l)| l).collect() };
        assert_eq!(
            labels(axis(-4.5, 4.5)),
            [
                "1e-4", "0.001", "0.01", "0.1", "1", "10", "100", "1,000", "1e4"
            ]
        );
        assert_eq!(
            labels(axis(-20.5, 20.5)),
            [
                "1e-20", "1e-15", "1e-10", "1e-5", "1", "1e5", "1e10", "1e15", "1e20"
            ]
        );
        // ±700 natural-log units (±304 decades): nine ticks at most, spread over the axis.
        let wide = Axis {
            min: -700.0,
            max: 700.0,
            left: 0.0,
            right: 100.0,
            log: true,
        };
        let ticks = wide.ticks();
        assert!((5..=9).contains(&ticks.len()), "{ticks:?}");
        assert!(
            ticks[0].0 < -500.0 && ticks[ticks.len() - 1].0 > 500.0,
            "{ticks:?}"
        );
        // An absurd span still gives at most nine, at once.
        let absurd = Axis {
            min: -1e300,
            max: 1e300,
            left: 0.0,
            right: 100.0,
            log: true,
        };
        assert!(absurd.ticks().len() <= 9);
        // A span that overflows gives no tick rather than one at NaN.
        assert!(linear_ticks(-1e308, 1e308).is_empty());
        assert!(linear_ticks(0.0, f64::NAN).is_empty());
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
