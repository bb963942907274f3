//! `microsocial login`: a one-time sign-in link to the web interface, or
//! the list of web sessions, or ending them.

use crate::actions::sessions;
use crate::cli::LoginArgs;
use crate::config::Config;
use crate::store::Store;
use crate::words::count;
use std::path::Path;
use std::process::ExitCode;

pub fn run(root: &Path, args: &LoginArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(root)?;
    if args.list {
        let tz = super::when::zone(root);
        let when = |ms| super::when::human(tz, Some(ms));
        let list = sessions::list(&store)?;
        if list.is_empty() {
            println!("no web sessions");
        }
        for s in list {
            println!(
                "{}  signed in {} by {}, last seen {}, ends {}",
                &s.id[..s.id.len().min(12)],
                when(s.created),
                s.how,
                when(s.last_seen),
                when(s.expires)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.revoke_all {
        let n = sessions::revoke_all(&store)?;
        println!(
            "ended {} and every unused sign-in link",
            count(n, "web session")
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(id) = &args.revoke {
        let n = sessions::revoke(&store, id)?;
        if n == 0 {
            eprintln!(
                "error: no web session's id starts with `{id}`: nothing was ended \
                 (`microsocial login --list` shows the ids)"
            );
            return Ok(ExitCode::FAILURE);
        }
        println!("ended {}", count(n, "web session"));
        return Ok(ExitCode::SUCCESS);
    }
    let (config, _) = Config::load(root)?;
    let origin = sessions::sidecar_origin(&config)?;
    let token = sessions::new_login_token(&store)?;
    println!("{}", sessions::login_url(&origin, &token));
    Ok(ExitCode::SUCCESS)
}
