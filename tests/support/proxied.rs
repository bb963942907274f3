//! The proxy configurations of docs/guide/deploying.md, run as written on
//! loopback with a certificate from the guide's own local CA recipe, in
//! front of a real sidecar. CI installs nginx and Caddy and sets
//! MICROSOCIAL_PROXY_TESTS=required; elsewhere a missing proxy skips.

use super::web::Owner;
use super::*;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const GUIDE: &str = include_str!("../../docs/guide/deploying.md");

/// The code block that follows `<!-- tested: NAME -->` in the guide.
pub fn block(name: &str) -> String {
    let marker = format!("<!-- tested: {name} -->");
    let at = GUIDE
        .find(&marker)
        .unwrap_or_else(|| panic!("the deploying guide lost its `{marker}` block"));
    let rest = &GUIDE[at + marker.len()..];
    let open = rest.find("```").unwrap() + 3;
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_string()
}

/// `text` with `from` replaced; the guide must still say `from`.
pub fn sub(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the guide's config no longer has `{from}`:\n{text}"
    );
    text.replace(from, to)
}

fn which(bin: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(bin))
        .find(|p| p.is_file())
}

/// The proxy binary, or None (and a note) where it may be skipped.
pub fn proxy_bin(bin: &str) -> Option<PathBuf> {
    let found = which(bin);
    if found.is_none() {
        assert!(
            std::env::var("MICROSOCIAL_PROXY_TESTS").as_deref() != Ok("required"),
            "{bin} is not installed, and MICROSOCIAL_PROXY_TESTS=required"
        );
        eprintln!("skipped: {bin} is not installed");
    }
    found
}

/// A CA and a certificate for `localhost` made by the guide's recipe.
pub fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &block("tls-recipe")])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the TLS recipe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = (
        dir.join("ca.pem"),
        dir.join("localhost.pem"),
        dir.join("localhost.key"),
    );
    for f in [&files.0, &files.1, &files.2] {
        assert!(f.is_file(), "the recipe made no {}", f.display());
    }
    files
}

/// `child` if it is still running a moment after its start; else its
/// complaint (a config the proxy refuses).
pub fn started(mut child: Child, stderr: &Path) -> Running {
    std::thread::sleep(Duration::from_millis(300));
    if let Ok(Some(status)) = child.try_wait() {
        let err = std::fs::read_to_string(stderr).unwrap_or_default();
        panic!("the proxy stopped ({status}):\n{err}");
    }
    Running(child)
}

/// Ann's site behind the proxy at https://localhost:PORT/.
pub struct Ann {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub sidecar_port: u16,
    pub ca: PathBuf,
    sidecar: Option<Running>,
}

impl Ann {
    pub fn new(ca: &Path) -> Ann {
        let dir = tempfile::tempdir().unwrap();
        let (port, sidecar_port) = (free_port(), free_port());
        let url = format!("https://localhost:{port}/");
        succeed(
            Command::new(BIN)
                .args([
                    "init",
                    "--title",
                    "Ann's site",
                    "--author",
                    "Ann",
                    "--url",
                    &url,
                ])
                .arg(dir.path()),
        );
        let cfg_path = dir.path().join("social.toml");
        let cfg = std::fs::read_to_string(&cfg_path).unwrap();
        let cfg = in_table(
            &cfg,
            "sidecar",
            &format!("bind = \"127.0.0.1:{sidecar_port}\"\nrebuild_debounce_ms = 50\n"),
        );
        let cfg = in_table(
            &cfg,
            "federation",
            &format!(
                "allow_private_addresses = true\nretry_initial_ms = 300\nextra_ca_file = \"{}\"\n",
                ca.display()
            ),
        );
        std::fs::write(&cfg_path, cfg).unwrap();
        Ann {
            dir,
            port,
            sidecar_port,
            ca: ca.to_path_buf(),
            sidecar: None,
        }
    }
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
    pub fn url(&self) -> String {
        format!("https://localhost:{}/", self.port)
    }
    pub fn run(&self, args: &[&str]) -> String {
        let out = succeed(Command::new(BIN).arg("--root").arg(self.root()).args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    pub fn start(&mut self) {
        let log = std::fs::File::create(self.root().join("sidecar.log")).unwrap();
        self.sidecar = Some(Running(
            Command::new(BIN)
                .arg("--root")
                .arg(self.root())
                .arg("sidecar")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        ));
        let health = format!("http://127.0.0.1:{}/health", self.sidecar_port);
        wait_until("Ann's sidecar", || ureq::get(&health).call().is_ok());
        wait_until("Ann's first build", || {
            self.root().join("public/index.html").is_file()
        });
    }
    /// An HTTPS client that trusts the test CA, and follows no redirect.
    pub fn agent(&self) -> ureq::Agent {
        let tls = microsocial::federation::tls::with_extra_ca(&self.ca).unwrap();
        ureq::AgentBuilder::new()
            .tls_config(tls)
            .redirects(0)
            .timeout(Duration::from_secs(30))
            .build()
    }
}

/// A tiny but valid PNG grown to `size` bytes by a private ancillary
/// chunk (decoders skip it; a proxy must still carry every byte).
pub fn big_png(size: usize) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let png = PNG;
    let iend = png.len() - 12;
    let data = vec![0x5au8; size.saturating_sub(png.len() + 12)];
    let mut chunk = b"teSt".to_vec();
    chunk.extend(&data);
    let mut out = png[..iend].to_vec();
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(&chunk);
    out.extend(crc32(&chunk).to_be_bytes());
    out.extend(&png[iend..]);
    out
}

/// Everything the deploying guide promises, through `proxy` (already
/// serving https://localhost:PORT/ in front of Ann's sidecar).
pub fn walk_through(ann: &mut Ann, what: &str) {
    walk_through_trusting(ann, what, Trust::ExtraCaFile)
}

/// How the friend on plain http trusts the test CA.
pub enum Trust {
    /// `[federation] extra_ca_file`.
    ExtraCaFile,
    /// The operating system's store, pointed at the CA by `SSL_CERT_FILE`.
    SystemStore,
}

pub fn walk_through_trusting(ann: &mut Ann, what: &str, trust: Trust) {
    let agent = ann.agent();
    let health = format!("{}health", ann.url());
    wait_until(&format!("{what} answers"), || {
        agent.get(&health).call().is_ok()
    });

    // A friend on plain loopback http who trusts the test CA.
    let mut bo = match trust {
        Trust::ExtraCaFile => {
            let ca_line = format!("extra_ca_file = \"{}\"\n", ann.ca.display());
            Site::with_port("Bo", free_port(), &ca_line)
        }
        Trust::SystemStore => {
            let mut bo = Site::with_port("Bo", free_port(), "");
            let ca = ann.ca.display().to_string();
            bo.env.push(("SSL_CERT_FILE".into(), ca));
            bo
        }
    };
    bo.start();
    let said = ann.run(&["friends", "add", &bo.url()]);
    assert!(said.contains("delivered"), "{said}");
    wait_until("Bo holds Ann's request (read over https)", || {
        bo.friends_json().to_string().contains(&ann.url())
    });
    bo.ok(&["friends", "accept", &ann.url()]);
    wait_until("Ann hears Bo's accept through the proxy", || {
        ann.run(&["friends", "--json"]).contains("\"friend\"")
    });

    // Publish; Bo reads the post over https.
    ann.run(&["new", "--title", "Behind the proxy", "Hello over TLS."]);
    ann.run(&["publish"]);
    wait_until("Bo reads Ann's post", || {
        bo.db()
            .query_row(
                "SELECT count(*) FROM friend_items WHERE content_html LIKE '%Hello over TLS%'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap_or(0)
            == 1
    });

    // Sign in over https: the __Host- cookie, through the proxy.
    let link = ann.run(&["login"]);
    let path = &link[link.find("/home/login/").expect("a sign-in link")..]
        .trim()
        .to_string();
    let mut owner = Owner::with_agent(&ann.url(), ann.agent());
    let r = owner.redeem(path);
    assert_eq!(r.status, 303, "{}", r.body);
    owner.keep_cookie(&r);
    assert!(
        owner
            .cookie
            .as_deref()
            .is_some_and(|c| c.starts_with("__Host-")),
        "{:?}",
        owner.cookie
    );
    let home = owner.get("/home/");
    assert_eq!(home.status, 200);
    let policies = home
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-security-policy"))
        .count();
    assert_eq!(
        policies, 1,
        "the static site's headers reached /home/: {:?}",
        home.headers
    );
    assert_eq!(home.header("Referrer-Policy"), Some("no-referrer"));

    // A live update arrives through the proxy.
    let (tx, rx) = mpsc::channel();
    let stream = ann
        .agent()
        .get(&format!("{}home/events", ann.url()))
        .set("Cookie", owner.cookie.as_deref().unwrap())
        .call()
        .unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stream.into_reader()).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    bo.ok(&["chat", "Ann", "Are you there?"]);
    let mut seen = Vec::new();
    let got = (0..150).any(|_| match rx.recv_timeout(Duration::from_millis(100)) {
        Ok(line) => {
            seen.push(line.clone());
            line.starts_with("event: unread")
        }
        Err(_) => false,
    });
    assert!(got, "no live update through {what}: {seen:?}");

    // A 5 MB photo, uploaded through the proxy.
    let csrf = owner.csrf();
    let photo = big_png(5 * 1024 * 1024);
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "Photo"),
        ("body", "A big one."),
        ("do", "post"),
    ];
    let r = owner.post_multipart("/home/compose", &fields, Some(("big.png", &photo)));
    assert_eq!(r.status, 303, "{}: {}", r.status, r.body);
    let folder = ann.root().join("content/posts");
    let has_png = walkdir::WalkDir::new(&folder)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| e.path().extension().is_some_and(|x| x == "png"));
    assert!(
        has_png,
        "the photo was not saved under {}",
        folder.display()
    );

    // The site's own 404 page.
    let r = match ann
        .agent()
        .get(&format!("{}no/such/page/", ann.url()))
        .call()
    {
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        other => panic!("{other:?}"),
    };
    let own = std::fs::read_to_string(ann.root().join("public/404.html")).unwrap();
    assert_eq!(r.0, 404);
    assert_eq!(r.1, own, "not the site's own 404 page");
}
