//! Reading a posted form (`application/x-www-form-urlencoded`) and a query.

use std::collections::HashMap;
use std::io::Read as _;

pub struct Form(HashMap<String, String>);

impl Form {
    /// Parses `a=1&b=2`; a repeated name keeps its first value.
    pub fn parse(raw: &[u8]) -> Form {
        let mut map = HashMap::new();
        for (k, v) in form_urlencoded::parse(raw) {
            map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
        Form(map)
    }

    /// Text fields of a multipart form; a repeated name keeps its first value.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Form {
        let mut map = HashMap::new();
        for (k, v) in pairs {
            map.entry(k).or_insert(v);
        }
        Form(map)
    }

    /// The query string of a request URL.
    pub fn query(url: &str) -> Form {
        Form::parse(url.split_once('?').map_or("", |(_, q)| q).as_bytes())
    }

    /// Reads the body (the front has already capped its size).
    pub fn read(req: &mut tiny_http::Request) -> anyhow::Result<Form> {
        let mut raw = Vec::new();
        req.as_reader()
            .take(super::MAX_FORM + 1)
            .read_to_end(&mut raw)
            .map_err(|e| anyhow::anyhow!("cannot read the form: {e}"))?;
        if raw.len() as u64 > super::MAX_FORM {
            anyhow::bail!("the form is larger than {} bytes", super::MAX_FORM);
        }
        Ok(Form::parse(&raw))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A field that must be there and not blank.
    pub fn need(&self, name: &str) -> anyhow::Result<&str> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| anyhow::anyhow!("the form has no `{name}`"))
    }
}

/// `s` percent-encoded for a query value.
pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_decoded_and_blank_ones_are_missing() {
        let f = Form::parse(b"who=https%3A%2F%2Fa.example%2F&text=hi+there&x=+&who=second");
        assert_eq!(f.get("who"), Some("https://a.example/"));
        assert_eq!(f.need("text").unwrap(), "hi there");
        assert!(f.need("x").is_err());
        assert!(f.need("nope").is_err());
        assert_eq!(enc("a b&c"), "a+b%26c");
        assert_eq!(Form::query("/home/?page=2").get("page"), Some("2"));
    }
}
