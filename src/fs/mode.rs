//! Permission modes as users write them: a number, an octal string (`"755"`, `"0o644"`), or a
//! symbolic `chmod(1)` expression (`"+x"`, `"u+rw,go-w"`, `"a=r"`, `"u+X"`).

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModeSpec {
    Absolute(u32),
    Symbolic(Vec<Clause>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Bits of the "who" part (u/g/o); `None` means no who was given (`+x`): like chmod(1),
    /// apply to all but leave the bits set in the umask alone.
    who: Option<u32>,
    op: char,
    perms: Perms,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Perms {
    r: bool,
    w: bool,
    x: bool,
    /// `X`: execute only for directories or files already executable by someone.
    big_x: bool,
    s: bool,
    t: bool,
}

const USER: u32 = 0o4700;
const GROUP: u32 = 0o2070;
const OTHER: u32 = 0o1007;

impl ModeSpec {
    pub fn from_number(op: &'static str, mode: f64) -> Result<Self> {
        if mode.fract() != 0.0 || !(0.0..=4095.0).contains(&mode) {
            return Err(Error::out_of_range(op, format!("mode must be an integer from 0 to 0o7777, received {mode}")));
        }
        Ok(ModeSpec::Absolute(mode as u32))
    }

    pub fn parse(op: &'static str, text: &str) -> Result<Self> {
        let t = text.trim();
        let octal = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")).unwrap_or(t);
        if !octal.is_empty() && octal.bytes().all(|b| b.is_ascii_digit()) {
            return match u32::from_str_radix(octal, 8) {
                Ok(m) if m <= 0o7777 => Ok(ModeSpec::Absolute(m)),
                _ => Err(Error::invalid_arg(op, format!("invalid mode '{text}': not an octal number up to 7777"))),
            };
        }
        let clauses = t
            .split(',')
            .map(|c| parse_clause(c).ok_or_else(|| Error::invalid_arg(op, format!("invalid mode '{text}'"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(ModeSpec::Symbolic(clauses))
    }

    /// The resulting permission bits for a file that currently has `current`.
    pub fn apply(&self, current: u32, is_dir: bool, umask: u32) -> u32 {
        let clauses = match self {
            ModeSpec::Absolute(m) => return *m,
            ModeSpec::Symbolic(c) => c,
        };
        let mut mode = current & 0o7777;
        for c in clauses {
            let who = c.who.unwrap_or(USER | GROUP | OTHER);
            let mut bits = 0;
            if c.perms.r {
                bits |= 0o444;
            }
            if c.perms.w {
                bits |= 0o222;
            }
            if c.perms.x || (c.perms.big_x && (is_dir || mode & 0o111 != 0)) {
                bits |= 0o111;
            }
            if c.perms.s {
                bits |= 0o6000;
            }
            if c.perms.t {
                bits |= 0o1000;
            }
            let mut mask = who & bits;
            if c.who.is_none() {
                mask &= !umask;
            }
            match c.op {
                '+' => mode |= mask,
                '-' => mode &= !mask,
                _ => mode = (mode & !(who & 0o7777)) | mask,
            }
        }
        mode
    }
}

fn parse_clause(c: &str) -> Option<Clause> {
    let op_at = c.find(['+', '-', '='])?;
    let (who_s, rest) = c.split_at(op_at);
    let mut who = None;
    for ch in who_s.chars() {
        let w = match ch {
            'u' => USER,
            'g' => GROUP,
            'o' => OTHER,
            'a' => USER | GROUP | OTHER,
            _ => return None,
        };
        who = Some(who.unwrap_or(0) | w);
    }
    let mut chars = rest.chars();
    let op = chars.next()?;
    let mut perms = Perms::default();
    for ch in chars {
        match ch {
            'r' => perms.r = true,
            'w' => perms.w = true,
            'x' => perms.x = true,
            'X' => perms.big_x = true,
            's' => perms.s = true,
            't' => perms.t = true,
            _ => return None,
        }
    }
    Some(Clause { who, op, perms })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(s: &str, current: u32) -> u32 {
        ModeSpec::parse("chmod", s).unwrap().apply(current, false, 0o022)
    }

    #[test]
    fn octal_strings_and_prefixes() {
        assert_eq!(ModeSpec::parse("chmod", "755").unwrap(), ModeSpec::Absolute(0o755));
        assert_eq!(ModeSpec::parse("chmod", "0o644").unwrap(), ModeSpec::Absolute(0o644));
        assert_eq!(ModeSpec::parse("chmod", "4755").unwrap(), ModeSpec::Absolute(0o4755));
        assert!(ModeSpec::parse("chmod", "789").is_err());
        assert!(ModeSpec::parse("chmod", "77777").is_err());
    }

    #[test]
    fn symbolic_modes_follow_chmod() {
        assert_eq!(sym("+x", 0o644), 0o755);
        assert_eq!(sym("u+x", 0o644), 0o744);
        assert_eq!(sym("go-r", 0o644), 0o600);
        assert_eq!(sym("a=r", 0o755), 0o444);
        assert_eq!(sym("u=rwx,g=rx,o=", 0o000), 0o750);
        assert_eq!(sym("+w", 0o444), 0o644, "umask 022 keeps group/other write off");
        assert_eq!(sym("u+X", 0o644), 0o644, "X does nothing on a non-executable file");
        assert_eq!(ModeSpec::parse("chmod", "a+X").unwrap().apply(0o644, true, 0), 0o755);
    }

    #[test]
    fn garbage_is_refused() {
        for bad in ["", "+q", "z+x", "u", "rwx"] {
            assert!(ModeSpec::parse("chmod", bad).is_err(), "{bad}");
        }
        assert!(ModeSpec::from_number("chmod", 1.5).is_err());
        assert!(ModeSpec::from_number("chmod", 4096.0).is_err());
    }
}
