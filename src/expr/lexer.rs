//! Splitting an expression into tokens, with character (not byte) offsets.
//!
//! A lexical fault (an unexpected character, a malformed number) does not stop
//! the lexer with an error straight away: it becomes the last token, so that
//! the parser reports whichever fault comes first from the left.

use crate::ParseError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    /// A finite number literal with its value.
    Number(f64),
    /// `[A-Za-z_][A-Za-z0-9_]*`.
    Ident,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    Comma,
    /// The end of the input.
    End,
    /// A lexical fault; always the last token.
    Error(ParseError),
}

/// A token and where it is, in characters: `start..end`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// The tokens of `chars`, ending with [`Kind::End`] or [`Kind::Error`].
pub(super) fn tokenize(source: &str, chars: &[char]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    loop {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let start = i;
        let Some(&c) = chars.get(i) else {
            tokens.push(Token {
                kind: Kind::End,
                start,
                end: start,
            });
            return tokens;
        };
        let kind = match c {
            '+' => Kind::Plus,
            '-' => Kind::Minus,
            '*' => Kind::Star,
            '/' => Kind::Slash,
            '^' => Kind::Caret,
            '(' => Kind::LParen,
            ')' => Kind::RParen,
            ',' => Kind::Comma,
            c if c.is_ascii_alphabetic() || c == '_' => {
                while i + 1 < chars.len()
                    && (chars[i + 1].is_ascii_alphanumeric() || chars[i + 1] == '_')
                {
                    i += 1;
                }
                Kind::Ident
            }
            c if c.is_ascii_digit() || c == '.' => match number(source, chars, start) {
                Ok((value, end)) => {
                    i = end - 1;
                    Kind::Number(value)
                }
                Err(err) => {
                    tokens.push(Token {
                        kind: Kind::Error(err),
                        start,
                        end: start,
                    });
                    return tokens;
                }
            },
            c => {
                let err = error(
                    source,
                    start,
                    format!("unexpected character `{}`", c.escape_debug()),
                );
                tokens.push(Token {
                    kind: Kind::Error(err),
                    start,
                    end: start,
                });
                return tokens;
            }
        };
        i += 1;
        tokens.push(Token {
            kind,
            start,
            end: i,
        });
    }
}

/// A parse error in `source` at character `position`.
pub(super) fn error(source: &str, position: usize, message: String) -> ParseError {
    ParseError {
        subject: "expression",
        expression: source.to_string(),
        position,
        message,
    }
}

/// Scans the number starting at `start`: `digits [. digits] [(e|E) [+|-] digits]`
/// where either the integer or the fraction digits may be missing, but not
/// both. Returns its value and the offset just past it.
fn number(source: &str, chars: &[char], start: usize) -> Result<(f64, usize), ParseError> {
    let digits = |mut i: usize| {
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let text = |end: usize| chars[start..end].iter().collect::<String>();

    let mut i = digits(start);
    let integer_digits = i > start;
    if chars.get(i) == Some(&'.') {
        let after_point = i + 1;
        i = digits(after_point);
        if !integer_digits && i == after_point {
            return Err(error(
                source,
                start,
                "unexpected `.`: a number needs digits, e.g. `0.5` or `.5`".to_string(),
            ));
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(chars.get(j), Some('+' | '-')) {
            j += 1;
        }
        let end = digits(j);
        if end == j {
            let found = match chars.get(j) {
                Some(c) => format!("`{}`", c.escape_debug()),
                None => "the end".to_string(),
            };
            return Err(error(
                source,
                j,
                format!(
                    "malformed number `{}`: expected digits in the exponent after `{}`, found {found}",
                    text(j),
                    chars[j - 1]
                ),
            ));
        }
        i = end;
    }
    if chars.get(i) == Some(&'.') {
        // Show the whole run of digits and points, e.g. `1.2.3`.
        let mut end = i;
        while end < chars.len() && (chars[end].is_ascii_digit() || chars[end] == '.') {
            end += 1;
        }
        return Err(error(
            source,
            i,
            format!("malformed number `{}`: unexpected second `.`", text(end)),
        ));
    }
    let literal = text(i);
    match literal.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok((value, i)),
        _ => Err(error(
            source,
            start,
            format!("number `{literal}` is out of range: it is not a finite 64-bit float"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Kind> {
        let chars: Vec<char> = src.chars().collect();
        tokenize(src, &chars).into_iter().map(|t| t.kind).collect()
    }

    fn lex_error(src: &str) -> ParseError {
        match kinds(src).pop() {
            Some(Kind::Error(err)) => err,
            other => panic!("expected a lexical error for {src:?}, got {other:?}"),
        }
    }

    #[test]
    fn numbers_in_all_spellings() {
        for (src, value) in [
            ("3", 3.0),
            ("2.5", 2.5),
            (".5", 0.5),
            ("1.", 1.0),
            ("1e-3", 1e-3),
            ("2.5E+4", 2.5e4),
            ("7e2", 700.0),
            ("0012", 12.0),
        ] {
            assert_eq!(kinds(src), vec![Kind::Number(value), Kind::End], "{src}");
        }
    }

    #[test]
    fn operators_identifiers_and_offsets() {
        let src = " x_1 +\t(y2*3)^-é";
        let chars: Vec<char> = src.chars().collect();
        let tokens = tokenize(src, &chars);
        let spans: Vec<(usize, usize)> = tokens.iter().map(|t| (t.start, t.end)).collect();
        assert_eq!(
            spans,
            vec![
                (1, 4),
                (5, 6),
                (7, 8),
                (8, 10),
                (10, 11),
                (11, 12),
                (12, 13),
                (13, 14),
                (14, 15),
                (15, 15)
            ]
        );
        assert!(matches!(tokens.last().unwrap().kind, Kind::Error(_)));
    }

    #[test]
    fn malformed_numbers() {
        let err = lex_error("1e");
        assert_eq!(err.position, 2);
        assert!(
            err.message.contains("malformed number `1e`"),
            "{}",
            err.message
        );
        assert!(err.message.contains("found the end"), "{}", err.message);

        let err = lex_error("2*1e+x");
        assert_eq!(err.position, 5);
        assert!(
            err.message.contains("`1e+`") && err.message.contains("found `x`"),
            "{}",
            err.message
        );

        let err = lex_error("1.2.3");
        assert_eq!(err.position, 3);
        assert!(
            err.message.contains("malformed number `1.2.3`"),
            "{}",
            err.message
        );

        let err = lex_error("x + .");
        assert_eq!(err.position, 4);
        assert!(err.message.contains("unexpected `.`"), "{}", err.message);

        let err = lex_error("1e999");
        assert_eq!(err.position, 0);
        assert!(err.message.contains("out of range"), "{}", err.message);
    }

    #[test]
    fn unexpected_characters_use_character_offsets() {
        let err = lex_error("é + $");
        assert_eq!(err.position, 0);
        assert_eq!(err.message, "unexpected character `é`");
        let err = lex_error("ππ*x $");
        assert_eq!(err.position, 0);
        let err = lex_error("x + y $");
        assert_eq!(err.position, 6);
        assert_eq!(err.message, "unexpected character `$`");
    }
}
