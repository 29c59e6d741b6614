//! Diagnostics: every problem in a spec, with the file, line and column it was found at.

use std::fmt;

/// A place in a spec file. Lines and columns count from 1.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file's display path.
    pub path: String,
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1.
    pub column: usize,
}

impl Location {
    /// A location in `path`; a line or column of 0 is taken as 1.
    pub fn new(path: &str, line: usize, column: usize) -> Self {
        Location { path: path.to_owned(), line: line.max(1), column: column.max(1) }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// One problem: where, what is wrong and what would be right.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Where the problem is.
    pub loc: Location,
    /// What is wrong, and what would be right.
    pub message: String,
}

impl Diagnostic {
    /// A problem at `loc`.
    pub fn new(loc: Location, message: impl Into<String>) -> Self {
        Diagnostic { loc, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.loc, self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Collects diagnostics while a spec is read, so one run reports them all.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a problem at `loc`.
    pub fn error(&mut self, loc: &Location, message: impl Into<String>) {
        self.items.push(Diagnostic::new(loc.clone(), message));
    }

    /// Records problems found elsewhere (e.g. by the YAML reader).
    pub fn extend(&mut self, more: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(more);
    }

    /// Whether no problem has been recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics sorted by file, line and column, without repeats.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort();
        self.items.dedup();
        self.items
    }
}
