//! A business's own templates in an override directory: each file replaces the built-in one
//! of the same name, and mistakes in them are reported with the file and the line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charla_prompts::{PromptError, Prompts, Reply, TeamAvailability, embedded_templates};
use std::fs;
use std::path::Path;

fn write(dir: &Path, name: &str, source: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, source).unwrap();
}

#[test]
fn an_override_replaces_only_its_own_template() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "replies/es/goodbye.jinja",
        "¡Gracias por confiar en {{ \"Velora\" }}! 🚲\n",
    );
    let prompts = Prompts::from_dir(dir.path()).unwrap();
    let embedded = Prompts::embedded();

    assert_eq!(
        prompts.render_reply("es", &Reply::Goodbye).unwrap(),
        "¡Gracias por confiar en Velora! 🚲"
    );
    assert_eq!(
        prompts.render_reply("en", &Reply::Goodbye).unwrap(),
        embedded.render_reply("en", &Reply::Goodbye).unwrap()
    );
    assert_eq!(
        prompts.render_reply("es", &Reply::BotBack).unwrap(),
        embedded.render_reply("es", &Reply::BotBack).unwrap()
    );
    assert_eq!(
        prompts.overrides().collect::<Vec<_>>(),
        ["replies/es/goodbye.jinja"]
    );
    assert_eq!(embedded.overrides().count(), 0);
}

#[test]
fn an_override_can_use_the_payload_and_the_filters() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "replies/it/handoff_announcement.jinja",
        "{% if team == \"offline\" %}Ti risponderemo domani.{% else %}Arriva subito un collega ({{ language }}, {{ kind }}).{% endif %}",
    );
    let prompts = Prompts::from_dir(dir.path()).unwrap();
    let online = Reply::HandoffAnnouncement {
        team: TeamAvailability::Online,
    };
    let offline = Reply::HandoffAnnouncement {
        team: TeamAvailability::Offline,
    };
    assert_eq!(
        prompts.render_reply("it", &online).unwrap(),
        "Arriva subito un collega (it, handoff_announcement)."
    );
    assert_eq!(
        prompts.render_reply("it", &offline).unwrap(),
        "Ti risponderemo domani."
    );
}

#[test]
fn the_built_in_templates_written_out_load_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    for (name, source) in embedded_templates() {
        write(dir.path(), name, source);
    }
    let prompts = Prompts::from_dir(dir.path()).unwrap();
    assert_eq!(prompts.overrides().count(), embedded_templates().count());
    let reply = Reply::OutOfScope {
        business_name: "Velora Cycles".into(),
    };
    assert_eq!(
        prompts.render_reply("pt", &reply).unwrap(),
        Prompts::embedded().render_reply("pt", &reply).unwrap()
    );
}

#[test]
fn files_that_are_not_templates_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "Our edited prompts.");
    write(dir.path(), "replies/es/goodbye.jinja.bak", "{% broken");
    write(dir.path(), ".git/config.jinja", "{% broken");
    let prompts = Prompts::from_dir(dir.path()).unwrap();
    assert_eq!(prompts.overrides().count(), 0);
}

#[test]
fn a_misnamed_override_is_reported_instead_of_silently_ignored() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "replies/es/greetings.jinja", "¡Hola!");
    let error = Prompts::from_dir(dir.path()).unwrap_err();
    assert!(
        matches!(&error, PromptError::UnknownOverride { path, .. } if path.ends_with("replies/es/greetings.jinja"))
    );
    assert!(error.to_string().contains("matches no template"), "{error}");
}

#[test]
fn an_override_for_a_language_without_built_in_replies_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "replies/fr/greeting.jinja", "Bonjour !");
    assert!(matches!(
        Prompts::from_dir(dir.path()),
        Err(PromptError::UnknownOverride { .. })
    ));
}

#[test]
fn a_syntax_error_is_reported_at_load_with_the_template_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "system.jinja",
        "You are the assistant of {{ business.name }}.\n\n{% if tools.search_catalog %}\nSearch first.\n",
    );
    let error = Prompts::from_dir(dir.path()).unwrap_err();
    match &error {
        PromptError::Syntax { template, line, .. } => {
            assert_eq!(template, "system.jinja");
            assert!(line.is_some_and(|line| line >= 3), "{error}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with("prompt template `system.jinja` has a syntax error at line"),
        "{error}"
    );
}

#[test]
fn a_misspelt_variable_fails_the_render_naming_the_template_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "replies/en/ticket_created.jinja",
        "Ticket opened.\nYour reference: {{ ticket_number }}",
    );
    let prompts = Prompts::from_dir(dir.path()).unwrap();
    let error = prompts
        .render_reply(
            "en",
            &Reply::TicketCreated {
                ticket_id: "T-9".into(),
            },
        )
        .unwrap_err();
    match &error {
        PromptError::Render { template, line, .. } => {
            assert_eq!(template, "replies/en/ticket_created.jinja");
            assert_eq!(*line, Some(2));
        }
        other => panic!("expected a render error, got {other:?}"),
    }
    assert!(
        error.to_string().starts_with(
            "prompt template `replies/en/ticket_created.jinja` failed to render at line 2"
        ),
        "{error}"
    );
}

#[test]
fn including_a_template_that_does_not_exist_is_a_missing_template() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "replies/en/goodbye.jinja",
        "{% include \"replies/en/farewell.jinja\" %}",
    );
    let prompts = Prompts::from_dir(dir.path()).unwrap();
    let error = prompts.render_reply("en", &Reply::Goodbye).unwrap_err();
    assert!(
        matches!(&error, PromptError::MissingTemplate { name } if name == "replies/en/farewell.jinja"),
        "{error:?}"
    );
}

#[test]
fn a_missing_override_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("prompts");
    let error = Prompts::from_dir(&missing).unwrap_err();
    assert!(
        matches!(&error, PromptError::Read { path, .. } if path == &missing),
        "{error:?}"
    );
}

#[test]
fn overrides_are_read_once_when_loaded() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "replies/en/goodbye.jinja", "Bye!");
    let prompts = Prompts::from_dir(dir.path()).unwrap();
    write(dir.path(), "replies/en/goodbye.jinja", "Changed on disk");
    assert_eq!(prompts.render_reply("en", &Reply::Goodbye).unwrap(), "Bye!");
}
