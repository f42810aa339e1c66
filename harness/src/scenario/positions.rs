//! Line:column of every place in a JSON text, keyed by JSON path, so that errors found after
//! parsing (unknown object, wrong op for a kind, ...) can point into the file. Also finds
//! duplicate keys, which serde would silently collapse.

use std::collections::HashMap;

/// Positions of object keys (for members) and values (for array elements), by JSON path.
#[derive(Debug, Default)]
pub(crate) struct Positions {
    at: HashMap<String, (usize, usize)>,
    /// The first duplicate key found: (path, line, col).
    pub duplicate: Option<(String, usize, usize)>,
}

impl Positions {
    /// The position of `path`, or of its nearest ancestor that has one.
    pub fn find(&self, path: &str) -> (usize, usize) {
        let mut p = path.to_string();
        loop {
            if let Some(&pos) = self.at.get(&p) {
                return pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) if i > 0 => p.truncate(i),
                _ => return (1, 1),
            }
        }
    }
    pub fn has(&self, path: &str) -> bool {
        self.at.contains_key(path)
    }
    /// The path of the last place that starts before (line, col): where a syntax error or a
    /// bad byte there belongs (an error at the start of a member is about the one before it:
    /// a missing comma, say). `$` when none does.
    pub fn path_at(&self, line: usize, col: usize) -> String {
        self.at
            .iter()
            .filter(|(_, &p)| p < (line, col))
            .max_by(|(pa, a), (pb, b)| a.cmp(b).then_with(|| pa.len().cmp(&pb.len())))
            .map_or_else(|| "$".to_string(), |(p, _)| p.clone())
    }
}

/// Append a member name to a path: `.name` for identifiers, `["name"]` otherwise.
pub(crate) fn member(path: &str, key: &str) -> String {
    let ident = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '#');
    if ident {
        format!("{path}.{key}")
    } else {
        format!("{path}[{key:?}]")
    }
}

/// Scan `text` (accepted by serde_json or not: a broken text is scanned as far as it goes).
/// Never panics on any input.
pub(crate) fn scan(text: &str) -> Positions {
    let mut s = Scanner {
        b: text.as_bytes(),
        i: 0,
        line: 1,
        col: 1,
        pos: Positions::default(),
    };
    s.ws();
    let (l, c) = (s.line, s.col);
    s.pos.at.insert("$".into(), (l, c));
    s.value("$", 0);
    s.pos
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    line: usize,
    col: usize,
    pos: Positions,
}

impl Scanner<'_> {
    fn bump(&mut self) {
        if let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            if c == b'\n' {
                self.line += 1;
                self.col = 1;
            } else if c & 0xC0 != 0x80 {
                // Count characters, not UTF-8 continuation bytes.
                self.col += 1;
            }
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }
    fn string(&mut self) -> String {
        let start = self.i + 1;
        self.bump();
        while let Some(c) = self.peek() {
            match c {
                b'\\' => {
                    self.bump();
                    self.bump();
                }
                b'"' => break,
                _ => self.bump(),
            }
        }
        let raw = &self.b[start.min(self.b.len())..self.i.min(self.b.len())];
        self.bump();
        // Keys with escapes are rare; decode them properly through serde_json.
        let quoted = format!("\"{}\"", String::from_utf8_lossy(raw));
        serde_json::from_str(&quoted).unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
    }
    fn value(&mut self, path: &str, depth: usize) {
        if depth > 512 {
            return;
        }
        self.ws();
        match self.peek() {
            Some(b'{') => {
                self.bump();
                let mut seen = std::collections::HashSet::new();
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b'"') => {
                            let (l, c) = (self.line, self.col);
                            let key = self.string();
                            let p = member(path, &key);
                            if !seen.insert(key) && self.pos.duplicate.is_none() {
                                self.pos.duplicate = Some((p.clone(), l, c));
                            }
                            self.pos.at.insert(p.clone(), (l, c));
                            self.ws();
                            if self.peek() == Some(b':') {
                                self.bump();
                            }
                            self.value(&p, depth + 1);
                            self.ws();
                            if self.peek() == Some(b',') {
                                self.bump();
                            }
                        }
                        Some(b'}') => {
                            self.bump();
                            return;
                        }
                        None => return,
                        Some(_) => self.bump(),
                    }
                }
            }
            Some(b'[') => {
                self.bump();
                let mut n = 0;
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b']') => {
                            self.bump();
                            return;
                        }
                        None => return,
                        Some(_) => {
                            let p = format!("{path}[{n}]");
                            self.pos.at.insert(p.clone(), (self.line, self.col));
                            let before = self.i;
                            self.value(&p, depth + 1);
                            n += 1;
                            self.ws();
                            // Skip the comma, or any byte the value did not consume.
                            if self.peek() == Some(b',') || self.i == before {
                                self.bump();
                            }
                        }
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while matches!(self.peek(), Some(c) if !matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                {
                    self.bump();
                }
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_members_and_elements() {
        let text = "{\n  \"a\": [1, {\"b\": 2}],\n  \"x y\": 3\n}";
        let p = scan(text);
        assert_eq!(p.find("$.a"), (2, 3));
        assert_eq!(p.find("$.a[1].b"), (2, 13));
        assert_eq!(p.find("$[\"x y\"]"), (3, 3));
        assert_eq!(
            p.find("$.a[1].zzz"),
            (2, 12),
            "falls back to the nearest ancestor"
        );
    }

    #[test]
    fn duplicate_keys_are_found() {
        let p = scan("{\"t\": {\"w\": 1,\n \"w\": 2}}");
        assert_eq!(p.duplicate, Some(("$.t.w".into(), 2, 2)));
    }
}
