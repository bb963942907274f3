//! `multipart/form-data` bodies (forms with file inputs), parsed by `multer`.
//! The body is already in memory and capped by the HTTP front, so the async
//! parser runs to completion on this thread with `pollster`.

use anyhow::{anyhow, Context as _};

/// A file part that was actually chosen (an empty file input is skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub field: String,
    /// The name the browser sent (untrusted; see `upload::safe_name`).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Text fields in order, and files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub files: Vec<File>,
}

impl Form {
    /// The first value of text field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Files sent in field `name`.
    pub fn files_in<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a File> + 'a {
        self.files.iter().filter(move |f| f.field == name)
    }
}

/// Parses `body`, sent with header `Content-Type: content_type`.
pub fn parse(content_type: &str, body: Vec<u8>) -> anyhow::Result<Form> {
    let boundary = multer::parse_boundary(content_type)
        .with_context(|| format!("not a multipart form (Content-Type `{content_type}`)"))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    pollster::block_on(async move {
        let mut form = Form::default();
        while let Some(field) = parts
            .next_field()
            .await
            .map_err(|e| anyhow!("malformed multipart form: {e}"))?
        {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(str::to_string) {
                Some(file) => {
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| anyhow!("malformed upload `{file}`: {e}"))?;
                    if !(file.is_empty() && bytes.is_empty()) {
                        form.files.push(File {
                            field: name,
                            name: file,
                            bytes: bytes.to_vec(),
                        });
                    }
                }
                None => {
                    let text = field
                        .text()
                        .await
                        .map_err(|e| anyhow!("malformed form field `{name}`: {e}"))?;
                    form.fields.push((name, text));
                }
            }
        }
        Ok(form)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHi there\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\
             Content-Type: image/png\r\n\r\n\x01\x02\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n\r\n--XyZ--\r\n";
        let form = parse("multipart/form-data; boundary=XyZ", body.into()).unwrap();
        assert_eq!(form.get("title"), Some("Hi there"));
        let files: Vec<_> = form.files_in("image").collect();
        assert_eq!(files.len(), 1, "the empty file input is skipped");
        assert_eq!(
            (files[0].name.as_str(), &files[0].bytes[..]),
            ("a.png", &[1u8, 2][..])
        );
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let e = parse("multipart/form-data; boundary=XyZ", b"nothing".to_vec()).unwrap_err();
        assert!(e.to_string().contains("malformed multipart form"), "{e}");
        let e = parse("text/plain", Vec::new()).unwrap_err();
        assert!(e.to_string().contains("not a multipart form"), "{e}");
    }
}
