//! Writers: CSV tables, the Markdown report, and atomic output of a report's files.

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod output;
pub mod shortest;
