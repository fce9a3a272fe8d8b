//! The model's tokenizer, set up as sentence-transformers runs MiniLM:
//! truncation at [`MAX_TOKENS`], padding only to the longest text of a batch.

use std::path::Path;

use tokenizers::{
    AddedToken, Encoding, PaddingParams, PaddingStrategy, Tokenizer, TruncationParams,
};

use crate::{Error, MAX_TOKENS, Result};

/// Loads `tokenizer.json` from `dir` with the settings of the other model
/// files, exactly as fastembed 7.5 did (the embeddings before this crate
/// built its own session came from it, and must not change):
///
/// - truncation at [`MAX_TOKENS`], or `model_max_length` if smaller (the
///   file's own 128 is the ONNX export's, not the model's);
/// - padding to the longest text of a batch with `pad_token` and
///   `pad_token_id` (a batch of one is not padded at all);
/// - the special tokens of `special_tokens_map.json` registered as such.
pub(crate) fn load(dir: &Path) -> Result<Tokenizer> {
    let tokenizer_file = dir.join("tokenizer.json");
    let mut tokenizer = Tokenizer::from_file(&tokenizer_file)
        .map_err(|source| invalid(&tokenizer_file, source.to_string()))?;
    let config = read_json(&dir.join("config.json"))?;
    let tokenizer_config_file = dir.join("tokenizer_config.json");
    let tokenizer_config = read_json(&tokenizer_config_file)?;
    let special_tokens = read_json(&dir.join("special_tokens_map.json"))?;

    let model_max_length = tokenizer_config["model_max_length"]
        .as_f64()
        .ok_or_else(|| invalid(&tokenizer_config_file, "no numeric `model_max_length`"))?;
    let max_length = if model_max_length < MAX_TOKENS as f64 {
        // Lengths are small integers; a fraction is not meaningful here.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let length = model_max_length.max(1.0) as usize;
        length
    } else {
        MAX_TOKENS
    };
    let pad_token_value = &tokenizer_config["pad_token"];
    let pad_token = pad_token_value
        .as_str()
        .or_else(|| pad_token_value["content"].as_str())
        .ok_or_else(|| invalid(&tokenizer_config_file, "no string `pad_token`"))?
        .to_owned();
    let pad_id = config["pad_token_id"]
        .as_u64()
        .and_then(|id| u32::try_from(id).ok())
        .or_else(|| tokenizer.token_to_id(&pad_token))
        .unwrap_or(0);

    tokenizer.with_padding(Some(PaddingParams {
        strategy: PaddingStrategy::BatchLongest,
        pad_token,
        pad_id,
        ..PaddingParams::default()
    }));
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length,
            ..TruncationParams::default()
        }))
        .map_err(|source| invalid(&tokenizer_file, source.to_string()))?;

    let special: Vec<AddedToken> = special_tokens
        .as_object()
        .into_iter()
        .flat_map(|map| map.values())
        .filter_map(special_token)
        .collect();
    tokenizer
        .add_special_tokens(special)
        .map_err(|source| invalid(&tokenizer_file, source.to_string()))?;
    Ok(tokenizer)
}

/// One entry of `special_tokens_map.json`: a bare string, or an object with
/// every flag given (fastembed skipped partial objects; so does this).
fn special_token(value: &serde_json::Value) -> Option<AddedToken> {
    if let Some(content) = value.as_str() {
        return Some(AddedToken::from(content.to_owned(), true));
    }
    let flag = |name: &str| value[name].as_bool();
    Some(AddedToken {
        content: value["content"].as_str()?.to_owned(),
        single_word: flag("single_word")?,
        lstrip: flag("lstrip")?,
        rstrip: flag("rstrip")?,
        normalized: flag("normalized")?,
        special: true,
    })
}

/// Tokenises `texts` (with `[CLS]`/`[SEP]`), padded to the longest. The
/// `_fast` calls skip the character offsets, which nothing here reads.
pub(crate) fn encode<S: AsRef<str> + Send + Sync>(
    tokenizer: &Tokenizer,
    texts: &[S],
) -> Result<Vec<Encoding>> {
    let result = match texts {
        // One text: no batch machinery (and nothing to pad).
        [text] => tokenizer
            .encode_fast(text.as_ref(), true)
            .map(|one| vec![one]),
        _ => tokenizer.encode_batch_fast(texts.iter().map(AsRef::as_ref).collect::<Vec<_>>(), true),
    };
    result.map_err(|source| Error::Tokenize(source.to_string()))
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| invalid(path, source.to_string()))
}

fn invalid(path: &Path, reason: impl Into<String>) -> Error {
    Error::InvalidModelFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}
