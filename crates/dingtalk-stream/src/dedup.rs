//! Redelivered messages, recognised by their keys (`messageId`, and `eventId` for events) for
//! a while, in bounded memory.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// What is known of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Never seen (or forgotten, or its handler failed): handle it.
    New,
    /// Its handler is running: drop this copy without an ack (the first one's ack answers).
    InFlight,
    /// Handled successfully: ack again, do not handle again.
    Done,
}

/// Keys with their state, forgotten after `ttl` or when more than `capacity` are kept.
#[derive(Debug)]
pub(crate) struct Dedup {
    ttl: Duration,
    capacity: usize,
    states: HashMap<String, (bool, Instant)>,
    order: VecDeque<(String, Instant)>,
}

impl Dedup {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Dedup { ttl, capacity: capacity.max(1), states: HashMap::new(), order: VecDeque::new() }
    }

    fn evict(&mut self, now: Instant) {
        while let Some((key, at)) = self.order.front() {
            let expired = now.duration_since(*at) >= self.ttl;
            if !expired && self.order.len() <= self.capacity {
                break;
            }
            // Only the entry this order slot was made for (a key re-marked later has a newer time).
            if self.states.get(key).is_some_and(|(_, t)| t == at) {
                self.states.remove(key);
            }
            self.order.pop_front();
        }
    }

    /// What is known of any of `keys`; a new message is marked in flight under all of them.
    pub(crate) fn begin(&mut self, keys: &[String], now: Instant) -> Seen {
        self.evict(now);
        let mut seen = Seen::New;
        for key in keys {
            match self.states.get(key) {
                Some((true, _)) => return Seen::Done,
                Some((false, _)) => seen = Seen::InFlight,
                None => {}
            }
        }
        if seen == Seen::New {
            for key in keys {
                self.states.insert(key.clone(), (false, now));
                self.order.push_back((key.clone(), now));
            }
            self.evict(now);
        }
        seen
    }

    /// The handler of `keys` finished: remembered as done, or forgotten so a redelivery runs it
    /// again.
    pub(crate) fn finish(&mut self, keys: &[String], success: bool, now: Instant) {
        for key in keys {
            if success {
                if let Some(state) = self.states.get_mut(key) {
                    state.0 = true;
                }
            } else {
                self.states.remove(key);
            }
        }
        self.evict(now);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.states.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_redelivery_is_recognised_by_either_key_until_the_ttl() {
        let t0 = Instant::now();
        let mut d = Dedup::new(Duration::from_secs(60), 100);
        assert_eq!(d.begin(&keys(&["m1", "e1"]), t0), Seen::New);
        assert_eq!(d.begin(&keys(&["m2", "e1"]), t0), Seen::InFlight, "same event, new message ID");
        d.finish(&keys(&["m1", "e1"]), true, t0);
        assert_eq!(d.begin(&keys(&["m1"]), t0), Seen::Done);
        assert_eq!(d.begin(&keys(&["m1"]), t0 + Duration::from_secs(61)), Seen::New, "forgotten after the TTL");
    }

    #[test]
    fn a_failed_handler_lets_the_redelivery_run_and_memory_stays_bounded() {
        let t0 = Instant::now();
        let mut d = Dedup::new(Duration::from_secs(600), 10);
        assert_eq!(d.begin(&keys(&["m1"]), t0), Seen::New);
        d.finish(&keys(&["m1"]), false, t0);
        assert_eq!(d.begin(&keys(&["m1"]), t0), Seen::New);
        for i in 0..1000 {
            d.begin(&[format!("k{i}")], t0);
        }
        assert!(d.len() <= 10, "{}", d.len());
    }
}
