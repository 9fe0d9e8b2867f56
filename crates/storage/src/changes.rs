//! The store's change feed: every committed write of a deployment (people's and the engine's) and
//! of a deployment target is published here, numbered, so live pages learn of changes by push
//! instead of reading whole lists again. It never blocks a writer and never grows without bound:
//! the last `RETAINED` changes are kept for clients that reconnect, a subscriber that falls more
//! than `CHANNEL` changes behind is told to resync, and positions of another process (a restart)
//! or older than what is kept also ask for a resync.
//!
//! Several consoles on one PostgreSQL database: each committed change also travels on the bus
//! (`crate::bus`, `NOTIFY` in the writing transaction), and the changes other replicas committed
//! are published here as they arrive, numbered in this process's sequence like its own. When the
//! bus may have lost some (its connection dropped and is back), `gap` tells every subscriber to
//! resync and makes older positions unresumable.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use domain::live::Change;
use tokio::sync::broadcast;

/// How many recent changes are kept for reconnecting clients.
pub const RETAINED: usize = 4096;
/// How many changes a subscriber may be behind before it must resync.
const CHANNEL: usize = 1024;

/// A change with its sequence number (1, 2, … within this process).
#[derive(Debug, Clone, PartialEq)]
pub struct Sequenced {
    /// Its number: later changes have larger ones.
    pub seq: u64,
    /// What changed.
    pub change: Change,
}

/// A position in the feed of one process: `<epoch>-<seq>` as text (`Position::parse` reads it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// Which process numbered the changes (random per start).
    pub epoch: String,
    /// The last change seen (0: none yet).
    pub seq: u64,
}

impl Position {
    /// Reads `<epoch>-<seq>`; anything else is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let (epoch, seq) = raw.trim().split_once('-')?;
        let valid_epoch = !epoch.is_empty() && epoch.len() <= 32 && epoch.chars().all(|c| c.is_ascii_hexdigit());
        (valid_epoch && seq.len() <= 20).then_some(())?;
        Some(Self { epoch: epoch.to_owned(), seq: seq.parse().ok()? })
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.epoch, self.seq)
    }
}

/// The feed; cheap to clone (one per store).
#[derive(Clone)]
pub struct ChangeFeed(Arc<Inner>);

struct Inner {
    epoch: String,
    sender: broadcast::Sender<Item>,
    state: Mutex<State>,
}

/// What the channel carries.
#[derive(Debug, Clone)]
enum Item {
    Change(Arc<Sequenced>),
    /// Changes of other replicas may have been lost before this number (which no change has).
    Gap(u64),
}

impl Item {
    fn seq(&self) -> u64 {
        match self {
            Item::Change(change) => change.seq,
            Item::Gap(seq) => *seq,
        }
    }
}

struct State {
    /// The number of the last change published (or of the last gap).
    last: u64,
    /// The last `RETAINED` changes, oldest first.
    recent: VecDeque<Arc<Sequenced>>,
    /// The number of the last gap (0: none): positions before it cannot be resumed from.
    gap: u64,
}

/// Where a new subscriber starts.
#[derive(Debug)]
pub enum Start {
    /// From now on (no position given).
    Now,
    /// After the given position: these retained changes came after it.
    CaughtUp(Vec<Arc<Sequenced>>),
    /// The position cannot be resumed from (another process's, too old, or ahead of the feed):
    /// the client must read its lists again.
    Resync(&'static str),
}

/// A subscription: first `start`, then `next` until the feed is dropped.
pub struct Subscription {
    /// What the subscriber missed, or why it must resync.
    pub start: Start,
    receiver: broadcast::Receiver<Item>,
    /// Changes up to this number were handed out already (in `start`) or came before it.
    seen: u64,
    epoch: String,
}

/// What `Subscription::next` hands out.
#[derive(Debug)]
pub enum Next {
    /// The next change.
    Change(Arc<Sequenced>),
    /// The subscriber fell behind and changes were dropped: it must resync.
    Lagged,
    /// Changes other replicas committed may have been lost on the way (`ChangeFeed::gap`): the
    /// subscriber must resync.
    Missed,
    /// The feed is gone (the store was dropped).
    Closed,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(CHANNEL);
        let epoch = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        Self(Arc::new(Inner { epoch, sender, state: Mutex::new(State { last: 0, recent: VecDeque::new(), gap: 0 }) }))
    }
}

impl ChangeFeed {
    /// Publishes committed changes, in order. Never waits for subscribers.
    pub fn publish(&self, changes: Vec<Change>) {
        if changes.is_empty() {
            return;
        }
        let mut state = self.0.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for change in changes {
            state.last += 1;
            let sequenced = Arc::new(Sequenced { seq: state.last, change });
            if state.recent.len() == RETAINED {
                state.recent.pop_front();
            }
            state.recent.push_back(sequenced.clone());
            // An error only means nobody listens right now.
            let _ = self.0.sender.send(Item::Change(sequenced));
        }
    }

    /// Says that changes of other replicas may have been lost: every subscriber is told to resync,
    /// and no position given out before now can be resumed from. The gap takes a number of its own.
    pub fn gap(&self) {
        let mut state = self.0.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.last += 1;
        state.gap = state.last;
        let _ = self.0.sender.send(Item::Gap(state.last));
    }

    /// The position after the last change published.
    pub fn position(&self) -> Position {
        let state = self.0.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Position { epoch: self.0.epoch.clone(), seq: state.last }
    }

    /// Subscribes, resuming after `since` (a `Position` as text) if given.
    pub fn subscribe(&self, since: Option<&str>) -> Subscription {
        let state = self.0.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Subscribing under the lock: nothing published between the catch-up and the receiver.
        let receiver = self.0.sender.subscribe();
        let oldest = state.recent.front().map_or(state.last + 1, |first| first.seq);
        let (start, seen) = match since.map(Position::parse) {
            None => (Start::Now, state.last),
            Some(None) => (Start::Resync("the position is not one this console gave out"), state.last),
            Some(Some(position)) if position.epoch != self.0.epoch => {
                (Start::Resync("the console restarted since that position"), state.last)
            }
            Some(Some(position)) if position.seq > state.last => {
                (Start::Resync("the position is ahead of the console's changes"), state.last)
            }
            Some(Some(position)) if position.seq < state.gap => {
                (Start::Resync("changes of other consoles may have been missed since that position"), state.last)
            }
            // Changes after `position.seq` start at `position.seq + 1`, which must still be kept.
            Some(Some(position)) if position.seq + 1 < oldest => {
                (Start::Resync("more changes happened since that position than the console keeps"), state.last)
            }
            Some(Some(position)) => {
                let missed = state.recent.iter().filter(|change| change.seq > position.seq).cloned().collect();
                (Start::CaughtUp(missed), state.last)
            }
        };
        Subscription { start, receiver, seen, epoch: self.0.epoch.clone() }
    }
}

impl Subscription {
    /// The next change after those already handed out.
    pub async fn next(&mut self) -> Next {
        loop {
            match self.receiver.recv().await {
                Ok(item) if item.seq() <= self.seen => continue,
                Ok(Item::Change(change)) => {
                    self.seen = change.seq;
                    return Next::Change(change);
                }
                Ok(Item::Gap(seq)) => {
                    self.seen = seq;
                    return Next::Missed;
                }
                Err(broadcast::error::RecvError::Lagged(_)) => return Next::Lagged,
                Err(broadcast::error::RecvError::Closed) => return Next::Closed,
            }
        }
    }

    /// The position after the last change handed out (or skipped as already seen).
    pub fn position(&self) -> Position {
        Position { epoch: self.epoch.clone(), seq: self.seen }
    }

    /// The position of a change of this feed.
    pub fn position_of(&self, change: &Sequenced) -> Position {
        Position { epoch: self.epoch.clone(), seq: change.seq }
    }
}

#[cfg(test)]
mod tests {
    use domain::live::{ChangeKind, TargetChange};

    use super::*;

    fn target(name: &str) -> Change {
        Change::Target(TargetChange { change: ChangeKind::Updated, namespace: "default".into(), name: name.into() })
    }

    fn names(changes: &[Arc<Sequenced>]) -> Vec<String> {
        changes
            .iter()
            .map(|c| match &c.change {
                Change::Target(t) => t.name.clone(),
                Change::Deployment(d) => d.name.clone(),
            })
            .collect()
    }

    #[tokio::test]
    async fn a_subscriber_gets_every_change_after_it_subscribed_in_order() {
        let feed = ChangeFeed::default();
        feed.publish(vec![target("before")]);
        let mut subscription = feed.subscribe(None);
        assert!(matches!(subscription.start, Start::Now));
        feed.publish(vec![target("a"), target("b")]);
        for expected in ["a", "b"] {
            match subscription.next().await {
                Next::Change(change) => assert_eq!(names(&[change]), [expected]),
                other => panic!("expected {expected}, got {other:?}"),
            }
        }
        assert_eq!(subscription.position(), feed.position());
    }

    #[tokio::test]
    async fn a_reconnecting_subscriber_gets_what_it_missed_and_nothing_twice() {
        let feed = ChangeFeed::default();
        feed.publish(vec![target("seen")]);
        let position = feed.position().to_string();
        feed.publish(vec![target("missed-1"), target("missed-2")]);
        let mut subscription = feed.subscribe(Some(&position));
        let Start::CaughtUp(missed) = &subscription.start else { panic!("{:?}", subscription.start) };
        assert_eq!(names(missed), ["missed-1", "missed-2"]);
        feed.publish(vec![target("live")]);
        match subscription.next().await {
            Next::Change(change) => assert_eq!(names(&[change]), ["live"]),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn positions_that_cannot_be_resumed_ask_for_a_resync() {
        let feed = ChangeFeed::default();
        let other = ChangeFeed::default();
        other.publish(vec![target("x")]);
        let foreign = other.position().to_string();
        let ahead = Position { seq: 5, ..feed.position() }.to_string();
        for position in [foreign.as_str(), ahead.as_str(), "garbage", "abc-", "-1", "zz-1"] {
            let subscription = feed.subscribe(Some(position));
            assert!(matches!(subscription.start, Start::Resync(_)), "{position}: {:?}", subscription.start);
        }
        let start = feed.position().to_string();
        feed.publish((0..RETAINED + 1).map(|i| target(&i.to_string())).collect());
        assert!(matches!(feed.subscribe(Some(&start)).start, Start::Resync(_)), "older than what is kept");
        let just_kept = Position { seq: 1, ..feed.position() }.to_string();
        let Start::CaughtUp(missed) = feed.subscribe(Some(&just_kept)).start else { panic!("still kept") };
        assert_eq!(missed.len(), RETAINED);
    }

    #[tokio::test]
    async fn a_gap_tells_live_subscribers_to_resync_and_makes_older_positions_unresumable() {
        let feed = ChangeFeed::default();
        feed.publish(vec![target("before")]);
        let before = feed.position().to_string();
        let mut live = feed.subscribe(None);
        feed.gap();
        assert!(matches!(live.next().await, Next::Missed));
        assert!(matches!(feed.subscribe(Some(&before)).start, Start::Resync(_)), "from before the gap");
        let after = feed.position().to_string();
        assert_eq!(live.position().to_string(), after, "the gap's own number is the position to resume from");
        feed.publish(vec![target("after")]);
        let Start::CaughtUp(missed) = feed.subscribe(Some(&after)).start else { panic!("after the gap") };
        assert_eq!(names(&missed), ["after"]);
        match live.next().await {
            Next::Change(change) => assert_eq!(names(&[change]), ["after"]),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_to_resync_and_the_writer_never_waits() {
        let feed = ChangeFeed::default();
        let mut subscription = feed.subscribe(None);
        feed.publish((0..CHANNEL + 10).map(|i| target(&i.to_string())).collect());
        assert!(matches!(subscription.next().await, Next::Lagged));
    }
}
