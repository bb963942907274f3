//! Command-line interface. Doc comments here are the `--help` text.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Own your whole social stack: markdown posts in, a fast static site out.
#[derive(Debug, Parser)]
#[command(name = "microsocial", version, about, long_about = None)]
pub struct Cli {
    /// Site root (the folder holding social.toml). Default: the nearest
    /// ancestor of the working directory that holds social.toml.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new site: social.toml, a welcome post and a .gitignore.
    Init(InitArgs),
    /// Write a new post into content/posts/ and print its path.
    New(NewArgs),
    /// Delete a post (its folder too, with its images); `publish` then
    /// tells friends.
    Delete(DeleteArgs),
    /// Render the site into public/ (or --output).
    Build(BuildArgs),
    /// Build, serve on localhost, rebuild on change and reload open pages.
    Serve(ServeArgs),
    /// Validate config, front matter and internal links; list every problem.
    Check(CheckArgs),
    /// List friends and requests, or add, accept, reject and remove them.
    Friends(FriendsArgs),
    /// Run the federation server: inbox, health check and (optionally) the site.
    Sidecar(SidecarArgs),
    /// Build, run the deploy command if set, and notify every friend.
    Publish,
    /// Notify every friend that the feed changed (no build).
    Notify,
    /// Show friends, the last pull from each, and the outbox backlog.
    Status(StatusArgs),
    /// Private messages with friends, end-to-end encrypted: list
    /// conversations, show one, send, or clear.
    Chat(ChatArgs),
    /// Show this site's public keys, rotate its encryption key, or export
    /// and import them (passphrase-protected) to move or back up the site.
    Keys(KeysArgs),
    /// Messages waiting for delivery or given up on: list, retry or drop.
    Outbox(OutboxArgs),
    /// Friend requests, replies, reactions, mentions and failed deliveries:
    /// list them (newest first), or mark them read.
    Notifications(NotificationsArgs),
    /// React to a friend's post with one emoji (or take it back with --remove).
    React(ReactArgs),
    /// Replies to your posts: list them, or hide one from every view.
    Replies(RepliesArgs),
    /// Print a one-time sign-in link to the web interface (/home/) on the
    /// sidecar, or list and end web sessions.
    Login(LoginArgs),
    /// Set the password the web interface's sign-in form accepts (asked
    /// without echo, or read from standard input), or remove it.
    Password(PasswordArgs),
    /// Webmentions other sites sent: list, approve or reject.
    Webmentions(WebmentionsArgs),
    /// Write a consistent copy of the state database (friends, messages,
    /// the change log) to FILE, safe while the sidecar runs. The keys are
    /// not in it: back them up with `keys export`.
    Backup {
        /// A new file (never replaced).
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Check the whole state database, every index included (slower).
    #[arg(long)]
    pub deep: bool,
}

impl Command {
    /// The long-running servers, which outlive any one client.
    pub fn is_server(&self) -> bool {
        matches!(self, Command::Serve(_) | Command::Sidecar(_))
    }
}

#[derive(Debug, Args)]
pub struct WebmentionsArgs {
    #[command(subcommand)]
    pub action: Option<WebmentionsAction>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum WebmentionsAction {
    /// One line per mention: ID, state, source and target (the default).
    List,
    /// Show a held mention like a reply (ID or its start).
    Approve { id: String },
    /// Hide a mention for good; re-sending it does not bring it back.
    Reject { id: String },
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// List open web sessions instead.
    #[arg(long, conflicts_with_all = ["revoke_all", "revoke"])]
    pub list: bool,
    /// End every web session and unused sign-in link.
    #[arg(long, conflicts_with = "revoke")]
    pub revoke_all: bool,
    /// End the session whose id (as `--list` shows it) starts with ID.
    #[arg(long, value_name = "ID")]
    pub revoke: Option<String>,
}

#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Remove the password: only sign-in links work then.
    #[arg(long)]
    pub remove: bool,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The post's file: content/posts/NAME.md or content/posts/NAME/index.md.
    pub path: PathBuf,
    /// Really delete (without it, only says what would go).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct OutboxArgs {
    #[command(subcommand)]
    pub action: Option<OutboxAction>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum OutboxAction {
    /// List every entry with its state, attempts and last error (the default).
    List,
    /// Send an entry again now, even one that was given up on (ID or its start).
    Retry { id: String },
    /// Remove an entry for good (a private message it carried shows as failed).
    Drop { id: String },
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// Friend (URL or name). Without it, list conversations.
    pub who: Option<String>,
    /// Text to send (read from standard input when omitted and stdin is not a terminal).
    pub text: Vec<String>,
    /// Clear the conversation here at once and on the friend's side.
    #[arg(long, conflicts_with = "text")]
    pub clear: bool,
}

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub action: Option<KeysAction>,
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Print the public signing and encryption keys (the default).
    Show,
    /// Make a new encryption key and tell every friend; the old key is kept
    /// so messages already sent to it can still be read.
    Rotate,
    /// Write every key to FILE, encrypted with a passphrase (asked on the
    /// terminal, else read from MICROSOCIAL_KEYS_PASSPHRASE or the first
    /// line of standard input).
    Export { file: PathBuf },
    /// Restore the keys from a file made by `keys export` (same passphrase
    /// sources), into a site that has none.
    Import { file: PathBuf },
}

#[derive(Debug, Args)]
pub struct FriendsArgs {
    #[command(subcommand)]
    pub action: Option<FriendsAction>,
    /// Print the list as JSON: [{url, name, state}].
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum FriendsAction {
    /// List friends and pending requests (the default).
    List,
    /// Ask the site at URL to be friends.
    Add {
        /// The other site's base URL.
        url: String,
    },
    /// Accept a friend request (WHO is a URL or a name).
    Accept { who: String },
    /// Turn down a friend request.
    Reject { who: String },
    /// End a friendship; their cached posts are dropped from your timeline.
    Remove { who: String },
}

#[derive(Debug, Args)]
pub struct SidecarArgs {
    /// Address to listen on (default: [sidecar] bind in social.toml, else 127.0.0.1:8008).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the site in (default: the working directory).
    pub dir: Option<PathBuf>,
    /// Site title.
    #[arg(long)]
    pub title: Option<String>,
    /// Public URL the site will be served from, e.g. https://me.example/
    #[arg(long, conflicts_with = "local")]
    pub url: Option<String>,
    /// A site for a local trial on this machine: its address is
    /// http://127.0.0.1:PORT/, where `microsocial sidecar` serves it and its
    /// inbox, and it may befriend other local sites.
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub local: Option<u16>,
    /// Author name shown on every post.
    #[arg(long)]
    pub author: Option<String>,
    /// Write into a non-empty folder (existing files of the same name are replaced).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Post text (markdown). Read from standard input when omitted and stdin is not a terminal.
    pub text: Vec<String>,
    /// Title; posts without one are short microblog posts.
    #[arg(long)]
    pub title: Option<String>,
    /// Tag the post (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Mark the post as a draft: it stays out of the site until published.
    #[arg(long)]
    pub draft: bool,
    /// Only friends can read it: published encrypted, never in plain text.
    #[arg(long)]
    pub friends_only: bool,
    /// Answer the post at URL (a reply to a friends-only post is friends-only).
    #[arg(long, value_name = "URL")]
    pub reply_to: Option<String>,
    /// With --reply-to: send even when URL is none of the friend's posts
    /// this site has read.
    #[arg(long, requires = "reply_to")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Output folder (default: public/ in the site root).
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Include draft posts.
    #[arg(long)]
    pub drafts: bool,
    /// Ignore the incremental cache and render every page.
    #[arg(long)]
    pub force: bool,
    /// Check every file of the tree the last build swapped out before
    /// reusing it (by default a sample of 64 is checked).
    #[arg(long)]
    pub verify: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:1111", value_name = "ADDR")]
    pub bind: String,
    /// Accepted for old scripts: `serve` always shows drafts (marked as
    /// such), since its preview never reaches friends.
    #[arg(long, hide = true)]
    pub drafts: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also check draft posts.
    #[arg(long)]
    pub drafts: bool,
}

#[derive(Debug, Args)]
pub struct NotificationsArgs {
    #[command(subcommand)]
    pub action: Option<NotificationsAction>,
    /// Only the unread ones.
    #[arg(long)]
    pub unread: bool,
    /// Print one JSON array of {id, kind, from, url, text, time, read}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum NotificationsAction {
    /// Mark notifications read: the given IDs, or --all.
    Read {
        /// Notification ids, as listed.
        ids: Vec<i64>,
        /// Every notification.
        #[arg(long, conflicts_with = "ids")]
        all: bool,
    },
}

#[derive(Debug, Args)]
pub struct ReactArgs {
    /// The friend's post.
    pub url: String,
    /// One emoji.
    pub emoji: String,
    /// Take the reaction back.
    #[arg(long)]
    pub remove: bool,
    /// Send even when URL is none of the friend's posts this site has read.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RepliesArgs {
    #[command(subcommand)]
    pub action: Option<RepliesAction>,
    /// Print JSON: [{url, root, parent, author, author_name, published, private, hidden}].
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RepliesAction {
    /// List the replies to your posts (the default).
    List,
    /// Hide a reply (by its URL) from your pages, private view and log.
    Hide { url: String },
    /// Show a hidden reply again.
    Show { url: String },
}
