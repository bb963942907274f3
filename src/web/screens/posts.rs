//! Compose, the list of your posts, edit and delete.

use crate::actions::post::{self, Draft, PostId};
use crate::upload::MAX_IMAGE_BYTES;
use crate::web::form::enc;
use crate::web::reply::{self, Reply};
use crate::web::{write, Ctx};
use serde::Serialize;

/// Posts per page of the list.
const PER_PAGE: usize = 50;

/// The form's fields as they are shown again.
#[derive(Serialize, Default)]
struct Fields {
    id: String,
    title: String,
    body: String,
    tags: String,
    friends_only: bool,
}

impl Fields {
    fn of(id: &str, d: &Draft) -> Fields {
        Fields {
            id: id.to_string(),
            title: d.title.clone().unwrap_or_default(),
            body: d.body.clone(),
            tags: d.tags.join(", "),
            friends_only: d.friends_only,
        }
    }
}

/// What the form says (images checked from their bytes).
fn draft_of(ctx: &Ctx) -> (Draft, anyhow::Result<Vec<crate::upload::Image>>) {
    let f = &ctx.form;
    let d = Draft {
        title: f.get("title").map(str::to_string),
        body: f.get("body").unwrap_or("").replace("\r\n", "\n"),
        tags: f
            .get("tags")
            .unwrap_or("")
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        friends_only: f.get("visibility") == Some("friends"),
        ..Draft::default()
    };
    (d, write::images(&ctx.files, "images"))
}

/// The compose (or edit) page: `error` keeps what was typed and says why.
fn form(ctx: &Ctx, fields: Fields, preview: Option<String>, error: Option<String>) -> Reply {
    let editing = !fields.id.is_empty();
    let title = if editing { "Edit post" } else { "Write a post" };
    let mut c = ctx.page(if editing { "posts" } else { "compose" }, title);
    if error.is_some() {
        c.insert("flash", &error);
    }
    let files = PostId::parse(&fields.id)
        .and_then(|id| post::load(ctx.root(), &id))
        .map(|s| s.files)
        .unwrap_or_default();
    c.insert("files", &files);
    c.insert("post", &fields);
    c.insert("preview", &preview);
    c.insert(
        "action",
        if editing {
            "/home/posts/edit"
        } else {
            "/home/compose"
        },
    );
    c.insert("max_mib", &(MAX_IMAGE_BYTES / (1024 * 1024)));
    ctx.render("compose.html", &c)
}

pub fn compose(ctx: &Ctx) -> Reply {
    form(ctx, Fields::default(), None, None)
}

/// Preview, Save as draft or Post, for a new post or an edit.
pub fn submit(ctx: &Ctx) -> Reply {
    let id = match ctx.form.get("id").filter(|i| !i.is_empty()) {
        Some(i) => match PostId::parse(i) {
            Ok(id) => Some(id),
            Err(e) => return ctx.missing(&e),
        },
        None => None,
    };
    let (mut draft, images) = draft_of(ctx);
    let shown = Fields::of(id.as_ref().map_or("", PostId::as_str), &draft);
    let what = ctx.form.get("do").unwrap_or("post");
    if what == "preview" {
        return form(ctx, shown, Some(post::preview(&draft.body, "")), None);
    }
    draft.images = match images {
        Ok(i) => i,
        Err(e) => return form(ctx, shown, None, Some(format!("Not saved: {e:#}"))),
    };
    draft.draft = what == "draft";
    let root = ctx.root();
    let done = write::with_hooks(root, |hooks| {
        let w = match &id {
            Some(id) => post::edit(root, id, &draft)?,
            None => post::create(root, &draft)?,
        };
        post::publish(root, &w, hooks)
    });
    match done {
        Ok(out) => {
            ctx.note(&crate::web::ctx::describe(&out));
            reply::see_other("/home/posts")
        }
        Err(e) => form(ctx, shown, None, Some(format!("Not saved: {e:#}"))),
    }
}

#[derive(Serialize)]
struct Row {
    id: String,
    q: String,
    label: String,
    date: Option<String>,
    draft: bool,
    friends_only: bool,
}

pub fn list(ctx: &Ctx) -> Reply {
    let page: usize = ctx
        .query
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let all = match post::list(ctx.root()) {
        Ok(l) => l,
        Err(e) => return ctx.failed(&e),
    };
    let rows: Vec<Row> = all
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|p| Row {
            id: p.id.as_str().to_string(),
            q: enc(p.id.as_str()),
            label: p.label.clone(),
            date: p.date.as_ref().map(|d| d.chars().take(10).collect()),
            draft: p.draft,
            friends_only: p.friends_only,
        })
        .collect();
    let mut c = ctx.page("posts", "Your posts");
    c.insert("posts", &rows);
    c.insert("more", &(all.len() > page * PER_PAGE).then_some(page + 1));
    ctx.render("posts.html", &c)
}

fn id_in_query(ctx: &Ctx) -> anyhow::Result<PostId> {
    let id = PostId::parse(ctx.query.get("id").unwrap_or(""))?;
    if !id.path(ctx.root()).is_file() {
        anyhow::bail!("there is no post {}", id.as_str());
    }
    Ok(id)
}

pub fn edit(ctx: &Ctx) -> Reply {
    match id_in_query(ctx).and_then(|id| post::load(ctx.root(), &id)) {
        Ok(s) => form(ctx, Fields::of(s.id.as_str(), &s.draft), None, None),
        Err(e) => ctx.missing(&e),
    }
}

pub fn confirm_delete(ctx: &Ctx) -> Reply {
    let id = match id_in_query(ctx) {
        Ok(id) => id,
        Err(e) => return ctx.missing(&e),
    };
    let label = post::load(ctx.root(), &id)
        .ok()
        .and_then(|s| s.draft.title().map(str::to_string))
        .unwrap_or_else(|| id.as_str().to_string());
    ctx.confirm(
        "Delete post",
        &format!(
            "Delete “{label}” ({}){}? The site is rebuilt and friends are told it is gone.",
            id.rel_tree().display(),
            if id.folder(ctx.root()).is_some() {
                " with its images"
            } else {
                ""
            }
        ),
        "/home/posts/delete",
        &[("id", id.as_str())],
        "Delete post",
        "/home/posts",
    )
}

pub fn delete(ctx: &Ctx) -> Reply {
    let root = ctx.root();
    let done = PostId::parse(ctx.form.get("id").unwrap_or("")).and_then(|id| {
        write::with_hooks(root, |hooks| {
            let w = post::delete(root, &id)?;
            post::publish(root, &w, hooks)
        })
    });
    ctx.note(&match done {
        Ok(out) => crate::web::ctx::describe(&out),
        Err(e) => format!("Failed: {e:#}"),
    });
    reply::see_other("/home/posts")
}
