//! A small client for the owner interface under `/home/`: keeps the
//! session cookie, sends forms with the CSRF token and a same-origin
//! `Origin`, and never follows redirects (tests look at them).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Owner {
    pub base: String,
    pub cookie: Option<String>,
    agent: ureq::Agent,
}

/// A one-time sign-in path (`/home/login/TOKEN`) from `microsocial login`.
pub fn login_path(root: &Path, env: &[(&str, &str)]) -> String {
    let out = super::succeed(
        Command::new(super::BIN)
            .arg("--root")
            .arg(root)
            .arg("login")
            .envs(env.iter().copied()),
    );
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let at = url.find("/home/login/").expect("a sign-in URL");
    url[at..].to_string()
}

fn convert(r: ureq::Response) -> Resp {
    let headers = r
        .headers_names()
        .into_iter()
        .flat_map(|n| {
            r.all(&n)
                .into_iter()
                .map(|v| (n.clone(), v.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    let status = r.status();
    Resp {
        status,
        headers,
        body: r.into_string().unwrap_or_default(),
    }
}

impl Owner {
    /// A browser without a session for the server at `base` (an origin
    /// such as `https://localhost:8443`), through `agent`.
    pub fn with_agent(base: &str, agent: ureq::Agent) -> Owner {
        Owner {
            base: base.trim_end_matches('/').to_string(),
            cookie: None,
            agent,
        }
    }

    /// Posts a multipart form as a same-origin page would; the response.
    pub fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Resp {
        let (kind, body) = multipart(fields, file);
        let mut req = self
            .agent
            .post(&format!("{}{path}", self.base))
            .set("Content-Type", &kind)
            .set("Origin", &self.base);
        if let Some(c) = &self.cookie {
            req = req.set("Cookie", c);
        }
        match req.send_bytes(&body) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => convert(r),
            Err(e) => panic!("POST {path}: {e}"),
        }
    }

    /// A browser without a session for the server on `port`.
    pub fn anonymous(port: u16) -> Owner {
        Owner {
            base: format!("http://127.0.0.1:{port}"),
            cookie: None,
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(20))
                .build(),
        }
    }

    /// Signed in through a fresh link from `microsocial login`.
    pub fn signed_in(root: &Path, port: u16) -> Owner {
        let mut o = Owner::anonymous(port);
        let r = o.redeem(&login_path(root, &[]));
        assert_eq!(r.status, 303, "{}", r.body);
        o.keep_cookie(&r);
        assert!(o.cookie.is_some(), "no session cookie");
        o
    }

    /// Opens a sign-in link and presses its button, as a browser would.
    pub fn redeem(&self, path: &str) -> Resp {
        let page = self.get(path);
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains(&format!("action=\"{path}\"")),
            "no sign-in button: {}",
            page.body
        );
        let origin = self.base.clone();
        self.send("POST", path, &[("Origin", &origin)], Some(""))
    }

    pub fn keep_cookie(&mut self, r: &Resp) {
        if let Some(c) = r.header("Set-Cookie") {
            self.cookie = c.split(';').next().map(str::to_string);
        }
    }

    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Resp {
        let mut req = self.agent.request(method, &format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.set("Cookie", c);
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let result = match body {
            Some(b) => req
                .set("Content-Type", "application/x-www-form-urlencoded")
                .send_string(b),
            None => req.call(),
        };
        match result {
            Ok(r) | Err(ureq::Error::Status(_, r)) => convert(r),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.send("GET", path, &[], None)
    }

    /// The CSRF token of this session, from a page's form.
    pub fn csrf(&self) -> String {
        let page = self.get("/home/settings").body;
        let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
        page[at..at + 64].to_string()
    }

    /// Posts a form as a same-origin page would, token included.
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf();
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        let origin = self.base.clone();
        self.send("POST", path, &[("Origin", &origin)], Some(&encode(&all)))
    }
}

/// A multipart body with `fields` and one file in `images`.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let b = "----compose-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"images\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n")
                .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

pub fn encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// No markup from a payload survives: only its escaped text.
pub fn assert_inert(page: &str, what: &str) {
    for bad in ["<script>alert", "<img src=x"] {
        assert!(!page.contains(bad), "{what}: `{bad}` in\n{page}");
    }
    // Inside a real tag (escaped text has no raw `<`), no handler.
    for tag in page.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        assert!(!tag.contains(" onerror"), "{what}: <{tag}>");
    }
}

/// Keeps a fetched owner page for `.ci/validate-html` (vnu checks
/// `target/home-pages/`).
pub fn keep_for_validation(name: &str, html: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/home-pages");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.html")), html).unwrap();
}
