//! Today's date and year by the system clock (UTC), without a date crate: the bound of a
//! registry's `year` and the `as_of` date of a new topic.

/// This year by the system clock (UTC), the upper bound of `year`.
pub fn current_year() -> i32 {
    civil_date(days_since_epoch()).0
}

/// Today by the system clock (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    let (year, month, day) = civil_date(days_since_epoch());
    format!("{year:04}-{month:02}-{day:02}")
}

/// Whole days since 1970-01-01 by the system clock (0 if the clock is before it).
fn days_since_epoch() -> i64 {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    (seconds / 86_400) as i64
}

/// The Gregorian (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_date(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        (yoe + era * 400 + i64::from(month <= 2)) as i32,
        month as u32,
        day as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected dates from Python's `datetime.date(1970, 1, 1) + timedelta(days=d)`.
    #[test]
    fn civil_dates_match_known_days() {
        for (days, date) in [
            (-1, (1969, 12, 31)),
            (0, (1970, 1, 1)),
            (59, (1970, 3, 1)),
            (10_956, (1999, 12, 31)),
            (10_957, (2000, 1, 1)),
            (11_016, (2000, 2, 29)),
            (19_782, (2024, 2, 29)),
            (20_426, (2025, 12, 4)),
            (20_779, (2026, 11, 22)),
            (2_932_896, (9999, 12, 31)),
        ] {
            assert_eq!(civil_date(days), date, "day {days}");
        }
    }
}
