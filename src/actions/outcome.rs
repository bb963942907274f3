//! The typed result of an action: what happened, and what became of every
//! message it tried to deliver.

use crate::federation::client::Delivery;

/// What became of one delivery attempt, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// A temporary failure: the outbox tries again later.
    Queued {
        reason: String,
    },
    /// The friend refused for good; the message is kept as failed.
    Refused {
        reason: String,
    },
}

impl From<Delivery> for Attempt {
    fn from(d: Delivery) -> Attempt {
        match d {
            Delivery::Delivered => Attempt::Delivered,
            Delivery::Retry { reason, .. } => Attempt::Queued { reason },
            Delivery::Refused(reason) => Attempt::Refused { reason },
        }
    }
}

/// One message and its fate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub id: String,
    pub kind: String,
    /// The recipient's URL, and their name when they are still known.
    pub to: String,
    pub name: Option<String>,
    pub attempt: Attempt,
}

impl Sent {
    /// `Bo (https://bo.example/)`, or the URL alone.
    pub fn who(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} ({})", self.to),
            None => self.to.clone(),
        }
    }
}

/// What an action did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// What happened, one short sentence each, in order.
    pub done: Vec<String>,
    /// How many new messages the action put in the outbox.
    pub enqueued: usize,
    /// Every delivery attempted while the action ran.
    pub sent: Vec<Sent>,
}

impl Outcome {
    pub fn said(line: impl Into<String>) -> Outcome {
        Outcome {
            done: vec![line.into()],
            ..Outcome::default()
        }
    }

    /// Messages a friend refused for good.
    pub fn refused(&self) -> impl Iterator<Item = &Sent> {
        self.sent
            .iter()
            .filter(|s| matches!(s.attempt, Attempt::Refused { .. }))
    }

    pub fn delivered(&self) -> usize {
        self.sent
            .iter()
            .filter(|s| s.attempt == Attempt::Delivered)
            .count()
    }

    /// Friends whose every message got through, and friends written to:
    /// one friend sent three messages is one friend.
    pub fn friends_reached(&self) -> (usize, usize) {
        let mut all: std::collections::BTreeMap<&str, bool> = Default::default();
        for s in &self.sent {
            let ok = all.entry(&s.to).or_insert(true);
            *ok &= s.attempt == Attempt::Delivered;
        }
        (all.values().filter(|ok| **ok).count(), all.len())
    }

    /// True when nothing was refused for good (queued is fine).
    pub fn ok(&self) -> bool {
        self.refused().next().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn friends_are_counted_once_however_many_messages() {
        let to = |who: &str, attempt: Attempt| Sent {
            id: who.into(),
            kind: "feed.updated".into(),
            to: who.into(),
            name: None,
            attempt,
        };
        let out = Outcome {
            sent: vec![
                to("https://bo.example/", Attempt::Delivered),
                to("https://bo.example/", Attempt::Delivered),
                to("https://cy.example/", Attempt::Delivered),
                to(
                    "https://cy.example/",
                    Attempt::Queued { reason: "x".into() },
                ),
            ],
            ..Outcome::default()
        };
        assert_eq!(out.friends_reached(), (1, 2));
    }

    fn sent(attempt: Attempt) -> Sent {
        Sent {
            id: "1".into(),
            kind: "message".into(),
            to: "https://bo.example/".into(),
            name: Some("Bo".into()),
            attempt,
        }
    }

    #[test]
    fn only_a_refusal_is_a_failure() {
        let queued = Outcome {
            sent: vec![
                sent(Attempt::Delivered),
                sent(Attempt::Queued {
                    reason: "offline".into(),
                }),
            ],
            ..Outcome::default()
        };
        assert!(queued.ok());
        assert_eq!(queued.delivered(), 1);
        let mut refused = queued.clone();
        refused.sent.push(sent(Attempt::Refused {
            reason: "HTTP 403 not_friend".into(),
        }));
        assert!(!refused.ok());
        assert_eq!(
            refused.refused().next().map(Sent::who).as_deref(),
            Some("Bo (https://bo.example/)")
        );
        assert_eq!(
            Attempt::from(Delivery::Refused("x".into())),
            Attempt::Refused { reason: "x".into() }
        );
    }
}
