//! [`RecentEmbeddings`]: the embeddings of the last few prompts, so that a
//! prompt routed again (a retry, the same line twice in `--stdin`, the TUI
//! re-routing after an edit of the config) skips the model.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use distiq_embed::{Embedder, Embedding};

use crate::Result;

/// A small least-recently-used map from prompt text to its embedding.
///
/// Exact text only: a prompt that differs by one character is embedded
/// again (the model, not this map, decides what is similar).
#[derive(Debug)]
pub struct RecentEmbeddings {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<String, Embedding>,
    /// Most recently used last.
    order: VecDeque<String>,
}

impl RecentEmbeddings {
    /// Remembers up to `capacity` prompts (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The embedding of `text`, from memory or else from `embedder`.
    pub fn get_or_embed(&self, embedder: &Embedder, text: &str) -> Result<Embedding> {
        if let Some(hit) = self.get(text) {
            return Ok(hit);
        }
        let embedding = embedder.embed(text)?;
        self.insert(text, embedding.clone());
        Ok(embedding)
    }

    /// The remembered embedding of `text`, if any.
    pub fn get(&self, text: &str) -> Option<Embedding> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let hit = inner.map.get(text).cloned()?;
        if let Some(at) = inner.order.iter().position(|t| t == text)
            && let Some(key) = inner.order.remove(at)
        {
            inner.order.push_back(key);
        }
        Some(hit)
    }

    /// Remembers `embedding` for `text`, forgetting the least recently used
    /// prompt when full.
    pub fn insert(&self, text: &str, embedding: Embedding) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.map.insert(text.to_owned(), embedding).is_some()
            && let Some(at) = inner.order.iter().position(|t| t == text)
        {
            inner.order.remove(at);
        }
        inner.order.push_back(text.to_owned());
        while inner.order.len() > self.capacity {
            if let Some(old) = inner.order.pop_front() {
                inner.map.remove(&old);
            }
        }
    }

    /// How many prompts are remembered.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(i: usize) -> Embedding {
        let mut v = vec![0.0; distiq_embed::DIMENSION];
        v[i] = 1.0;
        Embedding::from_vec(v).unwrap()
    }

    #[test]
    fn the_least_recently_used_prompt_is_forgotten_first() {
        let recent = RecentEmbeddings::new(2);
        recent.insert("a", unit(0));
        recent.insert("b", unit(1));
        assert_eq!(recent.get("a"), Some(unit(0)));
        recent.insert("c", unit(2));
        assert_eq!(recent.len(), 2);
        assert!(recent.get("b").is_none(), "b was the least recently used");
        assert_eq!(recent.get("a"), Some(unit(0)));
        assert_eq!(recent.get("c"), Some(unit(2)));
        recent.insert("c", unit(3));
        assert_eq!(recent.get("c"), Some(unit(3)));
        assert_eq!(recent.len(), 2);
    }
}
