//! The registry's columns: names, whether required, and what they hold. One list, used by the
//! reader (header checks), the writers (canonical order) and the documentation test.

/// One registry column.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// Header name.
    pub name: &'static str,
    /// A value is required on every row (`n` has a documented exception for reviews).
    pub required: bool,
}

macro_rules! columns {
    ($($ident:ident = $name:literal, $required:literal;)+) => {
        /// Column indices in canonical order.
        #[allow(missing_docs)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Col { $($ident),+ }

        /// Every column, in canonical order.
        pub const COLUMNS: &[ColumnSpec] = &[$(ColumnSpec { name: $name, required: $required }),+];

        impl Col {
            /// Every column, in canonical order.
            pub const ALL: &[Col] = &[$(Col::$ident),+];
        }
    };
}

columns! {
    StudyId = "study_id", true;
    Citation = "citation", true;
    Year = "year", true;
    Doi = "doi", false;
    Pmid = "pmid", false;
    Design = "design", true;
    Question = "question", true;
    N = "n", true;
    KStudies = "k_studies", false;
    Population = "population", false;
    Form = "form", true;
    DoseMgDay = "dose_mg_day", false;
    DurationWeeks = "duration_weeks", false;
    Comparator = "comparator", false;
    Outcome = "outcome", true;
    Direction = "direction", true;
    Significant = "significant", false;
    PValue = "p_value", false;
    EffectMeasure = "effect_measure", false;
    Yi = "yi", false;
    Vi = "vi", false;
    CiLow = "ci_low", false;
    CiHigh = "ci_high", false;
    N1 = "n1", false;
    Mean1 = "mean1", false;
    Sd1 = "sd1", false;
    N2 = "n2", false;
    Mean2 = "mean2", false;
    Sd2 = "sd2", false;
    Events1 = "events1", false;
    Events2 = "events2", false;
    RiskOfBias = "risk_of_bias", false;
    Confidence = "confidence", false;
    Source = "source", false;
    Notes = "notes", false;
}

impl Col {
    /// The header name.
    pub fn name(self) -> &'static str {
        COLUMNS[self as usize].name
    }

    /// Number of columns.
    pub const COUNT: usize = COLUMNS.len();
}

/// Field `index` of a header record as written, without the UTF-8 byte order mark that
/// spreadsheets put before the first.
pub fn header_field(index: usize, raw: &[u8]) -> &[u8] {
    if index == 0 {
        raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
    } else {
        raw
    }
}

/// Looks a header name up.
pub fn position(name: &str) -> Option<usize> {
    COLUMNS.iter().position(|c| c.name == name)
}

/// The canonical header line (no newline).
pub fn header_line() -> String {
    COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
}
