//! One `--flag` per registry column for `evsynth add`, generated from the column list so the
//! CLI and the registry cannot drift apart.

use clap::{ArgMatches, Args, FromArgMatches};

use crate::registry::columns::COLUMNS;

/// Column values given on the command line, by column name, in canonical column order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnValues(pub Vec<(&'static str, String)>);

impl ColumnValues {
    /// The value given for `column`, if any.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v.as_str())
    }
}

/// `study_id` → `study-id`.
pub fn flag_name(column: &str) -> String {
    column.replace('_', "-")
}

impl FromArgMatches for ColumnValues {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(ColumnValues(
            COLUMNS
                .iter()
                .filter_map(|c| {
                    matches
                        .get_one::<String>(c.name)
                        .map(|v| (c.name, v.clone()))
                })
                .collect(),
        ))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for ColumnValues {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for column in COLUMNS {
            let help = if column.required {
                format!("registry column `{}` (required)", column.name)
            } else {
                format!("registry column `{}`", column.name)
            };
            cmd = cmd.arg(
                clap::Arg::new(column.name)
                    .long(flag_name(column.name))
                    .value_name("VALUE")
                    // `--yi -0.4`, `--ci-low -1.2`: a negative number is the flag's value, not
                    // an unknown flag.
                    .allow_negative_numbers(true)
                    .help(help)
                    .help_heading("Registry columns (see studies/README.md)"),
            );
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}
