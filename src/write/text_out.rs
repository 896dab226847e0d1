//! Text written as it is made: the Markdown and article-format writers'
//! output, handed on a buffer's worth at a time.

use std::io::Write;

/// How much text is gathered before it is handed on.
const HAND_ON_AT: usize = 64 * 1024;

/// Text written into `out` as it is made, [`HAND_ON_AT`] bytes at a time,
/// so that a long article's output is never held whole. The first failure
/// is kept; [`TextOut::finish`] returns it.
pub(crate) struct TextOut<'w> {
    out: &'w mut dyn Write,
    buf: String,
    failed: Option<std::io::Error>,
}

impl<'w> TextOut<'w> {
    pub(crate) fn new(out: &'w mut dyn Write) -> Self {
        TextOut {
            out,
            buf: String::with_capacity(HAND_ON_AT + 1024),
            failed: None,
        }
    }

    pub(crate) fn push_str(&mut self, s: &str) {
        self.buf.push_str(s);
        if self.buf.len() >= HAND_ON_AT {
            self.hand_on();
        }
    }

    pub(crate) fn push(&mut self, c: char) {
        self.buf.push(c);
    }

    /// A block: a line break, its text, a line break (blocks written one
    /// after another are separated by a blank line).
    pub(crate) fn block(&mut self, text: &str) {
        self.push('\n');
        self.push_str(text);
        self.push('\n');
    }

    fn hand_on(&mut self) {
        if self.failed.is_none()
            && let Err(e) = self.out.write_all(self.buf.as_bytes())
        {
            self.failed = Some(e);
        }
        self.buf.clear();
    }

    /// Hands on what is left; the first failure, if any.
    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        self.hand_on();
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
