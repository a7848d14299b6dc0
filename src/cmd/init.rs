//! `evsynth init TOPIC`: a new topic directory with a header-only registry and a commented
//! topic.toml to fill in. Never overwrites.

use std::path::Path;

use crate::cmd::report_error;
use crate::error::Error;
use crate::registry::columns::header_line;
use crate::registry::write::create_new;
use crate::registry::{REGISTRY_FILE, TOPIC_FILE};

/// True for a plain topic name: `[a-z0-9][a-z0-9_-]*`, at most 64 characters.
pub fn is_topic_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

/// The topic.toml written by `init`, dated `as_of` (`YYYY-MM-DD`: today when run).
pub fn topic_template(name: &str, as_of: &str) -> String {
    format!(
        r#"# Topic "{name}": what the registry's questions, forms and outcomes mean.
# Replace the examples below; every key you use in registry.csv must be defined here.
# Format: studies/README.md.

title = "{name}"
description = "What the topic covers, in one paragraph."
as_of = "{as_of}"  # date the registry was last brought up to date (YYYY-MM-DD)

# One table per question. `kind` is intervention or association: they are never pooled.
# Directions in the registry are coded against `hypothesis`; `positive`/`negative` say how
# those directions read in reports.
[questions.treatment]
label = "Does the intervention relieve the condition?"
kind = "intervention"
hypothesis = "The intervention relieves symptoms"
positive = "benefit"
negative = "harm"

# Intervention or exposure forms (the `form` column); `not_applicable` is always allowed.
[forms]
oral = "Oral"

# Outcome domains (the `outcome` column).
[outcomes]
severity = "Symptom severity"
"#
    )
}

/// Creates `studies/<name>/`.
pub fn run(studies: &Path, name: &str) -> u8 {
    match init(studies, name) {
        Ok(dir) => {
            crate::cmd::outln!(
                "created {dir}/{REGISTRY_FILE} (header only) and {dir}/{TOPIC_FILE}; edit topic.toml, then `evsynth add {name}`"
            );
            0
        }
        Err(error) => report_error(&error),
    }
}

fn init(studies: &Path, name: &str) -> Result<String, Error> {
    if !is_topic_name(name) {
        return Err(Error::Usage(format!(
            "{name:?} is not a topic name; use lowercase letters, digits, - and _ (e.g. magnesium-rls), no paths"
        )));
    }
    let dir = studies.join(name);
    if dir.join(REGISTRY_FILE).exists() || dir.join(TOPIC_FILE).exists() {
        return Err(Error::Usage(format!(
            "{} already holds a topic; nothing was changed",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create directory", e))?;
    let template = topic_template(name, &crate::dates::today());
    create_new(&dir.join(TOPIC_FILE), template.as_bytes())?;
    create_new(
        &dir.join(REGISTRY_FILE),
        format!("{}\n", header_line()).as_bytes(),
    )?;
    Ok(dir.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_are_plain() {
        assert!(is_topic_name("magnesium-rls"));
        assert!(is_topic_name("vitamin_d"));
        for bad in ["", "..", "a/b", "Mg", "has space", "-x", "../escape"] {
            assert!(!is_topic_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_template_is_a_valid_topic() {
        let text = topic_template("x", "2026-12-04");
        let topic = crate::registry::Topic::parse(&text, Path::new("topic.toml"));
        assert_eq!(topic.map(|t| t.as_of).ok().as_deref(), Some("2026-12-04"));
    }
}
