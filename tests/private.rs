//! Private messages and friends-only posts, end to end on real sidecars.

mod support;

use microsocial::federation::{keys, private, protocol};
use std::path::Path;
use std::sync::{Arc, Mutex};
use support::*;

/// Every file under `dir` as text (lossy), for plaintext searches.
fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.file_type().is_file() {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()));
        }
    }
    out
}

/// A recording relay in front of an inbox: what it forwards is what the
/// network sees.
struct Relay {
    port: u16,
    seen: Arc<Mutex<Vec<Vec<u8>>>>,
}

fn relay(target_port: u16) -> Relay {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        while let Ok(mut req) = server.recv() {
            let mut body = Vec::new();
            std::io::Read::read_to_end(req.as_reader(), &mut body).unwrap();
            log.lock().unwrap().push(body.clone());
            let sig = req
                .headers()
                .iter()
                .find(|h| {
                    h.field
                        .as_str()
                        .as_str()
                        .eq_ignore_ascii_case(protocol::SIGNATURE_HEADER)
                })
                .map(|h| h.value.as_str().to_string())
                .unwrap_or_default();
            let r = ureq::post(&format!("http://127.0.0.1:{target_port}/inbox"))
                .set(protocol::SIGNATURE_HEADER, &sig)
                .send_bytes(&body);
            let (code, text) = match r {
                Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
                Err(ureq::Error::Status(c, r)) => (c, r.into_string().unwrap_or_default()),
                Err(_) => (502, String::new()),
            };
            let _ = req.respond(tiny_http::Response::from_string(text).with_status_code(code));
        }
    });
    Relay { port, seen }
}

fn chat(site: &Site, who: &Site) -> String {
    site.ok(&["chat", &who.url()])
}

#[test]
fn messages_both_ways_never_in_plaintext_on_the_wire_or_public() {
    // Each inbox is published as a recording relay's address.
    let (bo_port, ann_port) = (free_port(), free_port());
    let (rb, ra) = (relay(bo_port), relay(ann_port));
    let inbox = |r: &Relay| format!("inbox_url = \"http://127.0.0.1:{}/inbox\"\n", r.port);
    let mut b = Site::with_port("Bo", bo_port, &inbox(&rb));
    let mut a = Site::with_port("Ann", ann_port, &inbox(&ra));
    b.start();
    a.start();
    let c = started("Cy");
    befriend(&a, &b);

    a.ok(&[
        "chat",
        &b.url(),
        "the",
        "pass-phrase",
        "is",
        "plum-kettle-42",
    ]);
    b.ok(&["chat", &a.url(), "noted: lantern-orchid-7"]);
    wait_until("both messages arrive", || {
        chat(&b, &a).contains("plum-kettle-42") && chat(&a, &b).contains("lantern-orchid-7")
    });
    let view = chat(&a, &b);
    assert!(
        view.contains("you: the pass-phrase is plum-kettle-42  (delivered)"),
        "{view}"
    );
    assert!(a.ok(&["chat"]).contains("Bo"), "conversation list");

    // Cy is no friend: the CLI refuses, and a signed message is refused too.
    let out = c.run(&["chat", &a.url(), "hi"]);
    assert!(!out.status.success());
    let raw = protocol::envelope_bytes(
        protocol::types::MESSAGE,
        &id(),
        &c.url(),
        &a.url(),
        chrono::Utc::now(),
        &serde_json::json!({"ciphertext": private::seal_message("spam", &keys::load(a.root()).unwrap().encryption.to_public()).unwrap()}),
    );
    assert_eq!(
        post(&a, &raw, Some(&protocol::sign(&raw, &signing_key(&c)))).1,
        "not_friend"
    );
    assert!(!chat(&a, &b).contains("spam"));

    // What crossed the wire to Bo, and what both sites publish, has no plaintext.
    let to_bo = rb.seen.lock().unwrap().concat();
    let to_ann = ra.seen.lock().unwrap().concat();
    assert!(
        !to_bo.is_empty() && !to_ann.is_empty(),
        "the relays saw the traffic"
    );
    let wire = [to_bo, to_ann].concat();
    for secret in ["plum-kettle-42", "pass-phrase", "lantern-orchid-7"] {
        assert!(
            !String::from_utf8_lossy(&wire).contains(secret),
            "{secret} on the wire"
        );
    }
    a.ok(&["build"]);
    b.ok(&["build"]);
    for site in [&a, &b] {
        let public = all_text(&site.root().join("public"));
        assert!(!public.contains("plum-kettle-42") && !public.contains("lantern-orchid-7"));
        assert!(
            !site.log().contains("plum-kettle-42"),
            "logs never hold message text"
        );
        let home = std::fs::read_to_string(site.root().join(".social/private/index.html")).unwrap();
        assert!(
            home.contains("Messages"),
            "private view lists conversations"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(a.root().join(".social"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        let mode = std::fs::metadata(a.root().join(".social/state.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn offline_delivery_clear_on_both_sides_and_tampering() {
    let a = started("Ann");
    let mut b = started("Bo");
    befriend(&a, &b);

    b.stop();
    a.ok(&["chat", "Bo", "written-while-away"]);
    assert!(
        chat(&a, &b).contains("written-while-away  (pending retry)"),
        "{}",
        chat(&a, &b)
    );
    b.start();
    wait_until("delivery after restart", || {
        chat(&b, &a).contains("written-while-away")
    });
    wait_until("state delivered", || chat(&a, &b).contains("(delivered)"));
    assert_eq!(
        chat(&b, &a).matches("written-while-away").count(),
        1,
        "shown once"
    );

    // Clear while Bo is offline: Ann's copy goes at once, Bo's when he is back.
    b.stop();
    let out = a.ok(&["chat", "Bo", "--clear"]);
    assert!(out.contains("cleared 1 message with Bo"), "{out}");
    assert!(chat(&a, &b).contains("no messages"));
    b.start();
    wait_until("Bo's copy cleared", || chat(&b, &a).contains("no messages"));

    // A tampered ciphertext, correctly signed by Ann, is refused and reported.
    let ann_key = signing_key(&a);
    let mut sealed = private::seal_message(
        "tampered-text",
        &keys::load(b.root()).unwrap().encryption.to_public(),
    )
    .unwrap();
    sealed.replace_range(sealed.len() - 8..sealed.len() - 4, "AAAA");
    let raw = protocol::envelope_bytes(
        protocol::types::MESSAGE,
        &id(),
        &a.url(),
        &b.url(),
        chrono::Utc::now(),
        &serde_json::json!({ "ciphertext": sealed }),
    );
    let before = b.count("messages");
    assert_eq!(
        post(&b, &raw, Some(&protocol::sign(&raw, &ann_key))),
        (400, "undecryptable".into())
    );
    assert_eq!(b.count("messages"), before);
    assert!(b.log().contains("undecryptable"));
}

#[test]
fn friends_only_posts_reach_friends_only() {
    let a = started("Ann");
    let mut b = started("Bo");
    let d = started("Dee");
    befriend(&a, &b);
    befriend(&a, &d);
    a.ok(&["friends", "remove", "Dee"]);

    a.ok(&["new", "--friends-only", "only-for-friends-9931"]);
    a.ok(&["publish"]);
    let home = |s: &Site| {
        std::fs::read_to_string(s.root().join(".social/private/index.html")).unwrap_or_default()
    };
    wait_until("Bo's private view shows it", || {
        home(&b).contains("only-for-friends-9931")
    });
    assert!(
        home(&a).contains("only-for-friends-9931"),
        "the author sees it too"
    );
    for site in [&a, &b] {
        assert!(
            !all_text(&site.root().join("public")).contains("only-for-friends-9931"),
            "plaintext in public/"
        );
        assert!(!site.timeline().contains("only-for-friends-9931"));
    }

    // The sealed post and epoch key are public files; Dee (removed before it
    // was written) and Cy (never a friend) cannot open them.
    let dir = a.root().join("public/federation/private");
    let mut blobs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    blobs.sort();
    let epoch_dir = blobs
        .iter()
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("epoch-")
        })
        .unwrap();
    // Three recipients (Ann, Bo and... not Dee): one file holds the group key.
    let files: Vec<_> = std::fs::read_dir(epoch_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let sealed = std::fs::read(&files[0]).unwrap();
    assert!(private::open_epoch(&sealed, &keys::load(b.root()).unwrap().identities()).is_ok());
    assert!(private::open_epoch(&sealed, &keys::load(d.root()).unwrap().identities()).is_err());
    let stranger = age::x25519::Identity::generate();
    assert!(private::open_epoch(&sealed, std::slice::from_ref(&stranger)).is_err());
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!home(&d).contains("only-for-friends-9931"));

    // A tampered post on Ann's host: Bo's sidecar skips it and shows nothing.
    let before: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    b.stop();
    a.ok(&["new", "--friends-only", "second-secret-5521"]);
    a.ok(&["publish"]);
    let added = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !before.contains(p))
        .expect("a new sealed post");
    let mut bytes = std::fs::read(&added).unwrap();
    let n = bytes.len() - 10;
    bytes[n] ^= 0x01;
    std::fs::write(&added, &bytes).unwrap();
    b.start();
    wait_until("Bo's catch-up pull", || {
        b.log().contains("invalid change(s) skipped")
    });
    assert!(!home(&b).contains("second-secret-5521"));
    assert!(
        home(&b).contains("only-for-friends-9931"),
        "the good post stays"
    );

    // Tampering with the sealed post: opening it fails.
    let post_blob = blobs
        .iter()
        .find(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("epoch-")
        })
        .unwrap();
    let group = private::open_epoch(&sealed, &keys::load(b.root()).unwrap().identities()).unwrap();
    let mut bytes = std::fs::read(post_blob).unwrap();
    let n = bytes.len() - 5;
    bytes[n] ^= 0x20;
    let ann = protocol::decode_key(&keys::load(a.root()).unwrap().signing_public()).unwrap();
    assert!(private::open_post(&bytes, &group, &ann).is_err());
}
