//! The languages charla has reply templates for, and how language codes map to them.

use std::fmt;

/// A language with a full set of built-in reply templates and number and date formats.
///
/// Customers may write in any language; this is only the set the offline replies are written
/// in. Each is the European variety: Spain Spanish, Italy Italian, Portugal Portuguese and
/// British English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// English (`en`), also the fallback for languages without templates.
    English,
    /// Spanish (`es`), as written in Spain.
    Spanish,
    /// Italian (`it`).
    Italian,
    /// Portuguese (`pt`), as written in Portugal.
    Portuguese,
}

impl Language {
    /// Every language with built-in templates.
    pub const ALL: [Language; 4] = [
        Language::English,
        Language::Spanish,
        Language::Italian,
        Language::Portuguese,
    ];

    /// The language of an ISO 639-1 code, or `None` when there are no templates for it.
    ///
    /// Case is ignored, and so is a region or script subtag (`es-ES`, `pt_BR`, `EN-gb`), since
    /// WhatsApp, browsers and language detectors all spell locales differently.
    pub fn from_code(code: &str) -> Option<Language> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default();
        Language::ALL
            .into_iter()
            .find(|language| primary.eq_ignore_ascii_case(language.code()))
    }

    /// The ISO 639-1 code: `en`, `es`, `it` or `pt`.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Spanish => "es",
            Language::Italian => "it",
            Language::Portuguese => "pt",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_recognised_whatever_their_case_or_region() {
        assert_eq!(Language::from_code("es"), Some(Language::Spanish));
        assert_eq!(Language::from_code("ES"), Some(Language::Spanish));
        assert_eq!(Language::from_code("es-ES"), Some(Language::Spanish));
        assert_eq!(Language::from_code("pt_BR"), Some(Language::Portuguese));
        assert_eq!(Language::from_code(" it "), Some(Language::Italian));
        assert_eq!(Language::from_code("en-GB"), Some(Language::English));
    }

    #[test]
    fn languages_without_templates_are_not_recognised() {
        assert_eq!(Language::from_code("fr"), None);
        assert_eq!(Language::from_code("und"), None);
        assert_eq!(Language::from_code(""), None);
        assert_eq!(Language::from_code("esp"), None);
    }

    #[test]
    fn every_language_round_trips_through_its_code() {
        for language in Language::ALL {
            assert_eq!(Language::from_code(language.code()), Some(language));
        }
    }
}
