//! Deploying as documented (issue "Deploy as documented"): what a friend
//! request that could not be checked tells both sides.

mod support;

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
