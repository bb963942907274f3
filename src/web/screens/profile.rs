//! Settings → Profile: name, bio and avatar, written into `social.toml`.

use crate::actions::profile::{self, Profile};
use crate::config::Config;
use crate::upload::MAX_IMAGE_BYTES;
use crate::web::reply::{self, Reply};
use crate::web::{write, Ctx};

pub fn show(ctx: &Ctx) -> Reply {
    let (config, _) = match Config::load(ctx.root()) {
        Ok(c) => c,
        Err(e) => return ctx.failed(&e),
    };
    let mut c = ctx.page("profile", "Profile");
    c.insert("name", &config.site.author);
    c.insert("bio", &config.site.bio.unwrap_or_default());
    c.insert("avatar", &config.site.avatar);
    c.insert("max_mib", &(MAX_IMAGE_BYTES / (1024 * 1024)));
    ctx.render("profile.html", &c)
}

pub fn save(ctx: &Ctx) -> Reply {
    let root = ctx.root();
    let done = write::images(&ctx.files, "avatar").and_then(|mut avatars| {
        let p = Profile {
            name: ctx.form.get("name").map(str::to_string),
            bio: ctx.form.get("bio").map(|b| b.replace("\r\n", "\n")),
            avatar: avatars.pop(),
        };
        write::with_hooks(root, |hooks| profile::update(root, &p, hooks))
    });
    ctx.note(&match done {
        Ok(out) => crate::web::ctx::describe(&out),
        Err(e) => format!("Not saved: {e:#}"),
    });
    reply::see_other("/home/profile")
}
