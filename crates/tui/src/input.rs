//! The input box: a multi-line text buffer with a cursor and the history
//! of what was sent. Up/Down move between lines, and through the history
//! when the cursor is on the first or last line.

/// Entries of history kept per session.
const MAX_HISTORY: usize = 500;

/// The text being typed, its cursor and the history.
#[derive(Debug, Default, Clone)]
pub struct Input {
    text: String,
    /// Byte offset of the cursor, always on a char boundary.
    cursor: usize,
    history: Vec<String>,
    /// Which history entry is shown, while browsing it.
    browsing: Option<usize>,
    /// What was typed before browsing began, restored past the newest entry.
    draft: String,
    /// Lines in the last paste, shown in the box's title while it is there.
    pasted: Option<usize>,
}

impl Input {
    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor, as a byte offset into [`text`](Self::text).
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Whether nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The line count of the last paste, while the pasted text is there.
    pub fn pasted(&self) -> Option<usize> {
        self.pasted
    }

    /// What was sent, oldest first.
    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// Inserts `c` at the cursor.
    pub fn insert(&mut self, c: char) {
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
        self.browsing = None;
    }

    /// Inserts pasted text at the cursor: line ends normalised, tabs as
    /// spaces, other control characters dropped (they would corrupt the
    /// screen).
    pub fn paste(&mut self, text: &str) {
        let clean: String = text
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .replace('\t', "    ")
            .chars()
            .filter(|c| *c == '\n' || !c.is_control())
            .collect();
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
        self.browsing = None;
        let lines = clean.lines().count();
        self.pasted = (lines > 1).then_some(lines);
    }

    /// Deletes the character before the cursor.
    pub fn backspace(&mut self) {
        if let Some(c) = self.text[..self.cursor].chars().next_back() {
            self.cursor -= c.len_utf8();
            self.text.remove(self.cursor);
            self.edited();
        }
    }

    /// Deletes the character at the cursor.
    pub fn delete(&mut self) {
        if self.cursor < self.text.len() {
            self.text.remove(self.cursor);
            self.edited();
        }
    }

    /// Moves the cursor one character left.
    pub fn left(&mut self) {
        if let Some(c) = self.text[..self.cursor].chars().next_back() {
            self.cursor -= c.len_utf8();
        }
    }

    /// Moves the cursor one character right.
    pub fn right(&mut self) {
        if let Some(c) = self.text[self.cursor..].chars().next() {
            self.cursor += c.len_utf8();
        }
    }

    /// Moves the cursor to the start of its line.
    pub fn home(&mut self) {
        self.cursor = self.line_start(self.cursor);
    }

    /// Moves the cursor to the end of its line.
    pub fn end(&mut self) {
        self.cursor = self.line_end(self.cursor);
    }

    /// Up: the line above, or the previous history entry from the first
    /// line.
    pub fn up(&mut self) {
        let start = self.line_start(self.cursor);
        if start == 0 {
            self.older();
            return;
        }
        let column = self.text[start..self.cursor].chars().count();
        let above = self.line_start(start - 1);
        self.cursor = self.at_column(above, column);
    }

    /// Down: the line below, or the next history entry from the last line.
    pub fn down(&mut self) {
        let end = self.line_end(self.cursor);
        if end == self.text.len() {
            self.newer();
            return;
        }
        let column = self.text[self.line_start(self.cursor)..self.cursor]
            .chars()
            .count();
        self.cursor = self.at_column(end + 1, column);
    }

    /// Empties the box.
    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
        self.browsing = None;
        self.pasted = None;
    }

    /// Takes the text out (it was sent), recording it in the history.
    pub fn take(&mut self) -> String {
        let text = std::mem::take(&mut self.text);
        self.clear();
        self.draft.clear();
        if !text.trim().is_empty() && self.history.last() != Some(&text) {
            self.history.push(text.clone());
            if self.history.len() > MAX_HISTORY {
                self.history.remove(0);
            }
        }
        text
    }

    fn edited(&mut self) {
        self.browsing = None;
        if self.text.is_empty() {
            self.pasted = None;
        }
    }

    fn older(&mut self) {
        let next = match self.browsing {
            None if self.history.is_empty() => return,
            None => {
                self.draft = self.text.clone();
                self.history.len() - 1
            }
            Some(0) => return,
            Some(i) => i - 1,
        };
        self.show(Some(next));
    }

    fn newer(&mut self) {
        match self.browsing {
            None => {}
            Some(i) if i + 1 < self.history.len() => self.show(Some(i + 1)),
            Some(_) => self.show(None),
        }
    }

    fn show(&mut self, entry: Option<usize>) {
        self.text = match entry {
            Some(i) => self.history[i].clone(),
            None => std::mem::take(&mut self.draft),
        };
        self.cursor = self.text.len();
        self.browsing = entry;
        self.pasted = None;
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    fn line_end(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i)
    }

    /// The offset `column` characters into the line starting at `start`,
    /// or its end.
    fn at_column(&self, start: usize, column: usize) -> usize {
        let end = self.line_end(start);
        self.text[start..end]
            .char_indices()
            .nth(column)
            .map_or(end, |(i, _)| start + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> Input {
        let mut i = Input::default();
        for c in text.chars() {
            i.insert(c);
        }
        i
    }

    #[test]
    fn history_goes_back_and_forth_and_restores_the_draft() {
        let mut i = typed("first");
        i.take();
        for c in "second".chars() {
            i.insert(c);
        }
        i.take();
        for c in "draft".chars() {
            i.insert(c);
        }
        i.up();
        assert_eq!(i.text(), "second");
        i.up();
        assert_eq!(i.text(), "first");
        i.up();
        assert_eq!(i.text(), "first", "the oldest entry stays");
        i.down();
        assert_eq!(i.text(), "second");
        i.down();
        assert_eq!(i.text(), "draft");
    }

    #[test]
    fn up_and_down_move_between_lines_before_touching_history() {
        let mut i = typed("old");
        i.take();
        let mut i2 = typed("abc\nde");
        std::mem::swap(&mut i.text, &mut i2.text);
        i.cursor = i.text.len();
        i.up();
        assert_eq!(i.text(), "abc\nde", "first Up moves to line one");
        assert_eq!(i.cursor(), 2);
        i.up();
        assert_eq!(i.text(), "old", "Up on the first line recalls history");
    }

    #[test]
    fn a_paste_is_cleaned_and_counted() {
        let mut i = Input::default();
        i.paste("a\r\nb\tc\x1b[31m\n");
        assert_eq!(i.text(), "a\nb    c[31m\n");
        assert_eq!(i.pasted(), Some(2));
        i.clear();
        assert_eq!(i.pasted(), None);
    }

    #[test]
    fn editing_respects_multibyte_characters() {
        let mut i = typed("héllo");
        i.left();
        i.left();
        i.left();
        i.backspace();
        assert_eq!(i.text(), "hllo");
        i.delete();
        assert_eq!(i.text(), "hlo");
        i.home();
        assert_eq!(i.cursor(), 0);
        i.end();
        assert_eq!(i.cursor(), 3);
    }
}
