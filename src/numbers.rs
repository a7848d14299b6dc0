//! Numbers as people read them in reports and charts.

/// A count with its digits grouped by thousands ("1,234,567"), as write-ups print them.
/// Machine-readable outputs (CSV, JSON) keep plain digits.
pub fn grouped(count: impl Into<u64>) -> String {
    let digits = count.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases = [
            (0u64, "0"),
            (999, "999"),
            (1000, "1,000"),
            (65_536, "65,536"),
        ];
        for (count, text) in cases {
            assert_eq!(grouped(count), text);
        }
        assert_eq!(grouped(1_234_567u32), "1,234,567");
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
    }
}
