//! Deploying as documented (issue "Deploy as documented"): what a friend
//! request that could not be checked tells both sides.

mod support;

use support::proxied;

use support::*;

/// Bo cannot read Ann's discovery document (her site is down here): his
/// log names the cause truly, and Ann's `friends` and `status` say that no
/// answer came and what to check.
#[test]
fn a_request_whose_sender_cannot_be_read_is_labelled_and_the_sender_told() {
    let ann = Site::new("Ann"); // no sidecar: nothing answers at her address
    let bo = started("Bo");
    let said = ann.ok(&["friends", "add", &bo.url()]);
    assert!(said.contains("unanswered until they accept"), "{said}");
    wait_until("Bo's log names the cause", || {
        bo.log().contains("discovery_failed")
    });
    let log = bo.log();
    assert!(log.contains("network:"), "{log}");
    assert!(!log.contains("key_mismatch"), "{log}");
    assert_eq!(bo.state_of(&ann), None, "the request was dropped");

    let list = ann.ok(&["friends"]);
    assert!(list.contains("no answer yet"), "{list}");
    // An hour later, the hint says what to check.
    ann.db()
        .execute("UPDATE friends SET created = created - 3600000", [])
        .unwrap();
    let list = ann.ok(&["friends"]);
    assert!(
        list.contains("asked 1 hour ago") && list.contains(".well-known/microsocial.json"),
        "{list}"
    );
    let status = ann.ok(&["status"]);
    assert!(
        status.contains("drops the request without telling you"),
        "{status}"
    );
}

#[test]
fn the_guides_local_tls_recipe_makes_a_certificate_the_client_trusts() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, _, _) = proxied::certificates(dir.path());
    microsocial::federation::tls::with_extra_ca(&ca).unwrap();
}

#[test]
fn the_documented_nginx_config_serves_the_site_and_the_sidecar() {
    nginx_walk_through(None);
}

/// `proxy_set_header Host $host` (no port) also works: the sidecar checks
/// a form's Origin against the site's configured address first. Here the
/// friend trusts the test CA through the system store (`SSL_CERT_FILE`),
/// not `extra_ca_file`.
#[test]
fn nginx_with_host_instead_of_http_host_works_too() {
    nginx_walk_through(Some("proxy_set_header Host $host;"));
}

fn nginx_walk_through(host_line: Option<&str>) {
    let trust = match host_line {
        Some(_) => proxied::Trust::SystemStore,
        None => proxied::Trust::ExtraCaFile,
    };
    let Some(nginx) = proxied::proxy_bin("nginx") else {
        return;
    };
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = proxied::certificates(certs.path());
    let mut ann = proxied::Ann::new(&ca);
    ann.start();
    let server = proxied::block("nginx");
    let server = proxied::sub(
        &server,
        "listen 443 ssl",
        &format!("listen 127.0.0.1:{} ssl", ann.port),
    );
    let server = proxied::sub(
        &server,
        "server_name ann.example;",
        "server_name localhost;",
    );
    let server = proxied::sub(
        &server,
        "/etc/ssl/ann.example/fullchain.pem",
        &cert.display().to_string(),
    );
    let server = proxied::sub(
        &server,
        "/etc/ssl/ann.example/privkey.pem",
        &key.display().to_string(),
    );
    let server = proxied::sub(
        &server,
        "/home/ann/site/public",
        &ann.root().join("public").display().to_string(),
    );
    let server = proxied::sub(
        &server,
        "127.0.0.1:8008",
        &format!("127.0.0.1:{}", ann.sidecar_port),
    );
    let server = match host_line {
        Some(line) => proxied::sub(&server, "proxy_set_header Host $http_host;", line),
        None => server,
    };
    let work = certs.path();
    let conf = format!(
        // One process (no workers), so that killing it ends nginx whole:
        // an orphaned worker would hold the test runner's output open.
        "daemon off;\nmaster_process off;\npid {w}/nginx.pid;\nerror_log {w}/error.log;\n\
         events {{}}\nhttp {{\n include /etc/nginx/mime.types;\n access_log off;\n\
         client_body_temp_path {w}/body; proxy_temp_path {w}/proxy; fastcgi_temp_path {w}/fcgi;\n\
         uwsgi_temp_path {w}/uwsgi; scgi_temp_path {w}/scgi;\n{server}\n}}\n",
        w = work.display()
    );
    std::fs::write(work.join("nginx.conf"), conf).unwrap();
    let nginx = std::process::Command::new(nginx)
        .arg("-p")
        .arg(work)
        .arg("-c")
        .arg(work.join("nginx.conf"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(work.join("stderr.log")).unwrap())
        .spawn()
        .unwrap();
    let _nginx = proxied::started(nginx, &work.join("stderr.log"));
    proxied::walk_through_trusting(&mut ann, "nginx", trust);
}

#[test]
fn the_documented_caddy_config_serves_the_site_and_the_sidecar() {
    let Some(caddy) = proxied::proxy_bin("caddy") else {
        return;
    };
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = proxied::certificates(certs.path());
    let mut ann = proxied::Ann::new(&ca);
    ann.start();
    let site = proxied::block("caddy");
    // The guide's host name with automatic TLS becomes the test's address
    // with the recipe's certificate (no certificate authority is reachable).
    let site = proxied::sub(
        &site,
        "ann.example {\n",
        &format!(
            "https://localhost:{} {{\n\ttls {} {}\n",
            ann.port,
            cert.display(),
            key.display()
        ),
    );
    let site = proxied::sub(
        &site,
        "/home/ann/site/public",
        &ann.root().join("public").display().to_string(),
    );
    let site = proxied::sub(
        &site,
        "127.0.0.1:8008",
        &format!("127.0.0.1:{}", ann.sidecar_port),
    );
    let work = certs.path();
    let conf = format!("{{\n\tadmin off\n}}\n\n{site}");
    std::fs::write(work.join("Caddyfile"), conf).unwrap();
    let child = std::process::Command::new(caddy)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(work.join("Caddyfile"))
        .env("HOME", work)
        .env("XDG_DATA_HOME", work.join("data"))
        .env("XDG_CONFIG_HOME", work.join("config"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(work.join("stderr.log")).unwrap())
        .spawn()
        .unwrap();
    let _caddy = proxied::started(child, &work.join("stderr.log"));
    proxied::walk_through(&mut ann, "Caddy");
}
