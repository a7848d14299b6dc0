//! The one palette for directions (Okabe & Ito's colour-blind-safe set), used by every chart.
//! Direction is always also shown by its symbol ([`Direction::symbol`]), never by colour alone.

use plotters::style::RGBColor;

use crate::model::Direction;

/// Fill colour of a direction.
pub fn direction_fill(direction: Direction) -> RGBColor {
    match direction {
        Direction::Positive => RGBColor(0x00, 0x72, 0xB2), // blue
        Direction::None => RGBColor(0xBB, 0xBB, 0xBB),     // grey
        Direction::Negative => RGBColor(0xD5, 0x5E, 0x00), // vermillion
        Direction::Conflicting => RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    }
}

/// Text colour readable on [`direction_fill`].
pub fn direction_ink(direction: Direction) -> RGBColor {
    match direction {
        Direction::None => INK,
        _ => RGBColor(0xFF, 0xFF, 0xFF),
    }
}

/// Body text.
pub const INK: RGBColor = RGBColor(0x1A, 0x1A, 0x1A);
/// Secondary text.
pub const MUTED: RGBColor = RGBColor(0x5A, 0x5A, 0x5A);
/// Rules and empty-bar tracks.
pub const RULE: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
/// Panel background.
pub const PANEL: RGBColor = RGBColor(0xF6, 0xF6, 0xF6);
