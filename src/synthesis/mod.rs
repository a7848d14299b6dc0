//! Synthesis: aggregation of findings into the numbers a report shows.

pub mod counts;
pub mod tiers;
pub mod votes;

use crate::error::Error;
use crate::frame;
use crate::registry::Registry;
use counts::CellCount;
use tiers::QuestionTiers;

/// Everything a report shows, computed once per topic.
#[derive(Debug, Clone)]
pub struct Synthesis {
    /// Tier × direction tables, one per question in topic order.
    pub tiers: Vec<QuestionTiers>,
    /// The whole registry: findings, distinct studies, participants (each study once).
    pub totals: CellCount,
}

/// Aggregates a validated registry.
pub fn synthesise(registry: &Registry) -> Result<Synthesis, Error> {
    let findings = frame::findings_frame(&registry.findings)?;
    let tiers = tiers::tier_tables(&registry.topic, &findings)?;
    let totals = counts::count_by(&findings, &[])?
        .into_values()
        .next()
        .unwrap_or_default();
    Ok(Synthesis { tiers, totals })
}
