//! What a handler gets: the request's parts, its session, and helpers to
//! render a page or run an action and redirect.

use super::form::Form;
use super::reply::{self, Reply};
use super::{view, Web};
use crate::actions::{Attempt, Outcome};
use crate::federation::friends::Node;
use crate::store::{Session, Store};

pub struct Ctx<'a> {
    pub web: &'a Web,
    /// The path after `/home`, e.g. `/friends`.
    pub path: String,
    pub query: Form,
    /// The posted form (empty for GET).
    pub form: Form,
    /// Files of a multipart form.
    pub files: Vec<crate::upload::form::File>,
    pub session: Session,
    /// The site's settings, read for this request (the CLI may edit them).
    pub config: crate::config::Config,
}

impl Ctx<'_> {
    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.web.store()
    }

    pub fn root(&self) -> &std::path::Path {
        &self.web.root
    }

    /// The fields every page's layout needs: navigation with `current`
    /// marked, the CSRF field, and the note the last POST left.
    pub fn page(&self, current: &str, title: &str) -> tera::Context {
        let mut c = tera::Context::new();
        c.insert("title", title);
        c.insert("nav", &view::nav(current));
        c.insert("csrf_field", &view::csrf_field(&self.session.csrf));
        c.insert("csrf", &self.session.csrf);
        let flash = self
            .store()
            .take_flash(&self.session.id)
            .unwrap_or_default();
        c.insert("flash", &flash);
        c.insert("zone", self.config.site.timezone.name());
        c.insert("unread", &self.web.unread_now());
        c
    }

    pub fn render(&self, template: &str, c: &tera::Context) -> Reply {
        match view::render(template, c) {
            Ok(body) => reply::html(200, body),
            Err(e) => self.failed(&e),
        }
    }

    /// A 500 page naming what failed; the detail goes to the log too.
    pub fn failed(&self, e: &anyhow::Error) -> Reply {
        (self.web.opts.log)(&format!("home{}: {e:#}", self.path));
        reply::text(500, &format!("Something went wrong: {e:#}"))
    }

    /// A confirmation page: `question`, then a form posting `fields` to
    /// `action`, and a way back to `cancel`.
    pub fn confirm(
        &self,
        title: &str,
        question: &str,
        action: &str,
        fields: &[(&str, &str)],
        button: &str,
        cancel: &str,
    ) -> Reply {
        let mut c = self.page("", title);
        c.insert("question", question);
        c.insert("action", action);
        c.insert("fields", fields);
        c.insert("button", button);
        c.insert("cancel", cancel);
        self.render("confirm.html", &c)
    }

    /// 404 for a friend, message or entry that is not there.
    pub fn missing(&self, e: &anyhow::Error) -> Reply {
        reply::text(404, &format!("{e:#}"))
    }

    /// Leaves a note for the next page.
    pub fn note(&self, text: &str) {
        if let Err(e) = self.store().set_flash(&self.session.id, text) {
            (self.web.opts.log)(&format!("home: cannot keep a note: {e:#}"));
        }
    }

    /// A time (ms since the epoch) in the owner's zone, labelled.
    pub fn when(&self, ms: i64) -> String {
        view::when(&self.config.site.timezone, ms)
    }

    pub fn node(&self) -> anyhow::Result<Node> {
        Node::open(&self.web.root)
    }

    /// Runs an action, notes its outcome (or error) and redirects to
    /// `back`: POST-redirect-GET.
    pub fn act(&self, back: &str, f: impl FnOnce(&Node) -> anyhow::Result<Outcome>) -> Reply {
        let result = self.node().and_then(|n| f(&n));
        self.note(&match result {
            Ok(out) => describe(&out),
            Err(e) => format!("Failed: {e:#}"),
        });
        reply::see_other(back)
    }
}

/// An outcome in one line for the owner.
pub fn describe(out: &Outcome) -> String {
    let mut parts: Vec<String> = out.done.clone();
    for s in &out.sent {
        parts.push(match &s.attempt {
            Attempt::Delivered => format!("delivered to {}", s.who()),
            Attempt::Queued { reason } => format!("queued for {} ({reason})", s.who()),
            Attempt::Refused { reason } => format!("refused by {}: {reason}", s.who()),
        });
    }
    let mut line = parts.join("; ");
    if let Some(first) = line.get(..1) {
        line = first.to_uppercase() + &line[1..];
    }
    line
}
