//! The one error type of the crate: what went wrong with which template, and where.

use std::path::PathBuf;

/// Loading or rendering a prompt template failed.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// No template of that name, neither in the override directory nor built in (usually an
    /// `include` in an edited template that names a file that does not exist).
    #[error("no prompt template named `{name}`")]
    MissingTemplate {
        /// The template name asked for, such as `replies/es/greeting.jinja`.
        name: String,
    },
    /// A template is not valid template syntax (an edited override, most likely).
    #[error("prompt template `{template}` has a syntax error{}: {message}", at_line(*.line))]
    Syntax {
        /// The template the error is in.
        template: String,
        /// The 1-based line of the error, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A template failed while rendering: an unknown variable, a filter given the wrong type...
    #[error("prompt template `{template}` failed to render{}: {message}", at_line(*.line))]
    Render {
        /// The template the error is in (an included template, when the error is there).
        template: String,
        /// The 1-based line of the error, when known.
        line: Option<usize>,
        /// What went wrong.
        message: String,
    },
    /// The override directory or one of its files could not be read.
    #[error("could not read prompt overrides at {}: {source}", path.display())]
    Read {
        /// The directory or file that could not be read.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A `.jinja` file in the override directory has a name no template has, so it would never
    /// be used (a typo such as `replies/es/greetings.jinja`).
    #[error("prompt override {} matches no template (expected a name such as `{example}`)", path.display())]
    UnknownOverride {
        /// The file.
        path: PathBuf,
        /// A template name that does exist, to show the expected layout.
        example: &'static str,
    },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|line| format!(" at line {line}"))
        .unwrap_or_default()
}

impl PromptError {
    /// Maps a minijinja error, naming `template` when minijinja does not say which one failed.
    pub(crate) fn from_minijinja(template: &str, error: &minijinja::Error) -> PromptError {
        let name = error.name().unwrap_or(template).to_string();
        let line = error.line().filter(|line| *line > 0);
        let message = match error.detail() {
            Some(detail) => format!("{}: {detail}", error.kind()),
            None => error.kind().to_string(),
        };
        match error.kind() {
            minijinja::ErrorKind::TemplateNotFound => PromptError::MissingTemplate {
                name: error
                    .detail()
                    .map(template_name_from_detail)
                    .unwrap_or(name),
            },
            minijinja::ErrorKind::SyntaxError => PromptError::Syntax {
                template: name,
                line,
                message,
            },
            _ => PromptError::Render {
                template: name,
                line,
                message,
            },
        }
    }
}

/// minijinja reports a missing template as `template "x" does not exist` or, from an
/// `include`, as `tried to include non-existing template 'x'`: keep just `x`.
fn template_name_from_detail(detail: &str) -> String {
    let quoted = detail.find(['"', '\'']).and_then(|start| {
        let quote = detail[start..].chars().next()?;
        let rest = &detail[start + 1..];
        rest.find(quote).map(|end| &rest[..end])
    });
    quoted.unwrap_or(detail).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_template_names_are_taken_from_either_message() {
        assert_eq!(
            template_name_from_detail("template \"a/b.jinja\" does not exist"),
            "a/b.jinja"
        );
        assert_eq!(
            template_name_from_detail(
                "tried to include non-existing template 'replies/en/x.jinja'"
            ),
            "replies/en/x.jinja"
        );
        assert_eq!(template_name_from_detail("no quotes"), "no quotes");
    }

    #[test]
    fn the_line_is_named_only_when_known() {
        let with_line = PromptError::Render {
            template: "t.jinja".into(),
            line: Some(3),
            message: "boom".into(),
        };
        assert_eq!(
            with_line.to_string(),
            "prompt template `t.jinja` failed to render at line 3: boom"
        );
        let without_line = PromptError::Render {
            template: "t.jinja".into(),
            line: None,
            message: "boom".into(),
        };
        assert_eq!(
            without_line.to_string(),
            "prompt template `t.jinja` failed to render: boom"
        );
    }
}
