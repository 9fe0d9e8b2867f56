//! Watching jobs at rest by cluster: one `GET /jobs/overview` per cluster and period feeds every
//! deployment whose job runs there, instead of one question per deployment. A deployment whose last
//! pass found nothing to do leaves its job here (`Watch`); the controller reads each watched
//! cluster's overview every `Settings::observe_every` and wakes exactly the deployments whose job's
//! state changed or vanished (`Board::changed`). Deployments without a job at rest are not watched:
//! only a person (a nudge), something of their own falling due, or the idle recheck wakes them.
//!
//! Pure bookkeeping: the controller makes the calls and feeds the answers in.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use flink::{FlinkCluster, FlinkError, JobId, JobOverview, JobState};

/// A deployment: (namespace, id).
pub type Key = (String, String);

/// A job at rest to watch: which deployment it belongs to, on which cluster, in which state the
/// last pass saw it.
#[derive(Clone)]
pub struct Watch {
    /// The cluster it runs on (the engine's client for the deployment's target).
    pub cluster: Arc<dyn FlinkCluster>,
    /// Its Flink job id.
    pub job: JobId,
    /// Flink's state of it when the pass looked.
    pub state: JobState,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch").field("job", &self.job).field("state", &self.state).finish_non_exhaustive()
    }
}

impl PartialEq for Watch {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.cluster, &other.cluster) && self.job == other.job && self.state == other.state
    }
}

/// A cluster, told apart by its client (the console keeps one client per cluster URL).
pub type ClusterId = usize;

fn cluster_id(cluster: &Arc<dyn FlinkCluster>) -> ClusterId {
    Arc::as_ptr(cluster) as *const () as usize
}

/// The watched jobs, by cluster.
#[derive(Default)]
pub struct Board {
    clusters: HashMap<ClusterId, Watched>,
    by_key: HashMap<Key, ClusterId>,
}

struct Watched {
    cluster: Arc<dyn FlinkCluster>,
    jobs: HashMap<Key, (JobId, JobState)>,
}

impl Board {
    /// Watches `key`'s job (replacing what was watched for it).
    pub fn watch(&mut self, key: Key, watch: Watch) {
        self.forget(&key);
        let id = cluster_id(&watch.cluster);
        let watched =
            self.clusters.entry(id).or_insert_with(|| Watched { cluster: watch.cluster, jobs: HashMap::new() });
        watched.jobs.insert(key.clone(), (watch.job, watch.state));
        self.by_key.insert(key, id);
    }

    /// Stops watching `key` (its pass has something to do, or it has no job at rest).
    pub fn forget(&mut self, key: &Key) {
        let Some(id) = self.by_key.remove(key) else { return };
        if let Some(watched) = self.clusters.get_mut(&id) {
            watched.jobs.remove(key);
            if watched.jobs.is_empty() {
                self.clusters.remove(&id);
            }
        }
    }

    /// The clusters to ask this period, one entry each.
    pub fn clusters(&self) -> Vec<(ClusterId, Arc<dyn FlinkCluster>)> {
        self.clusters.iter().map(|(id, watched)| (*id, watched.cluster.clone())).collect()
    }

    /// How many jobs are watched, over all clusters.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether nothing is watched.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// The deployments of cluster `id` to wake given its overview: those whose job's state differs
    /// from the watched one or is missing from the overview, and every one of them if the cluster
    /// could not be asked (each pass then sees and reports why for itself). Woken deployments are
    /// no longer watched: their pass decides again.
    pub fn changed(&mut self, id: ClusterId, overview: &Result<Vec<JobOverview>, FlinkError>) -> Vec<Key> {
        let Some(watched) = self.clusters.get(&id) else { return Vec::new() };
        let woken: Vec<Key> = match overview {
            Err(_) => watched.jobs.keys().cloned().collect(),
            Ok(jobs) => {
                let states: HashMap<&JobId, JobState> = jobs.iter().map(|j| (&j.jid, j.state)).collect();
                watched
                    .jobs
                    .iter()
                    .filter(|(_, (job, state))| states.get(job) != Some(state))
                    .map(|(key, _)| key.clone())
                    .collect()
            }
        };
        for key in &woken {
            self.forget(key);
        }
        woken
    }

    /// Forgets every watch whose key is not in `keys` (deployments deleted meanwhile).
    pub fn retain(&mut self, keys: &HashSet<Key>) {
        let gone: Vec<Key> = self.by_key.keys().filter(|key| !keys.contains(*key)).cloned().collect();
        for key in gone {
            self.forget(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use flink::testing::FakeFlink;

    use super::*;

    fn key(id: &str) -> Key {
        ("default".into(), id.into())
    }

    fn overview(jobs: &[(&str, JobState)]) -> Result<Vec<JobOverview>, FlinkError> {
        Ok(jobs
            .iter()
            .map(|(id, state)| JobOverview {
                jid: JobId((*id).into()),
                name: String::new(),
                state: *state,
                start_time: 0,
                end_time: -1,
            })
            .collect())
    }

    fn watch(cluster: &Arc<dyn FlinkCluster>, job: &str, state: JobState) -> Watch {
        Watch { cluster: cluster.clone(), job: JobId(job.into()), state }
    }

    #[test]
    fn only_jobs_whose_state_changed_or_vanished_are_woken() {
        let cluster: Arc<dyn FlinkCluster> = Arc::new(FakeFlink::new());
        let mut board = Board::default();
        board.watch(key("a"), watch(&cluster, "j1", JobState::Running));
        board.watch(key("b"), watch(&cluster, "j2", JobState::Running));
        board.watch(key("c"), watch(&cluster, "j3", JobState::Running));
        assert_eq!(board.clusters().len(), 1, "one cluster, one call");
        let id = board.clusters()[0].0;

        let mut woken = board.changed(id, &overview(&[("j1", JobState::Running), ("j2", JobState::Canceled)]));
        woken.sort();
        assert_eq!(woken, vec![key("b"), key("c")], "j2 was cancelled behind the console's back, j3 vanished");
        assert_eq!(board.len(), 1, "woken deployments are no longer watched");
        assert!(board.changed(id, &overview(&[("j1", JobState::Running)])).is_empty(), "nothing changed");
    }

    #[test]
    fn an_unreachable_cluster_wakes_all_its_deployments_and_no_others() {
        let one: Arc<dyn FlinkCluster> = Arc::new(FakeFlink::new());
        let other: Arc<dyn FlinkCluster> = Arc::new(FakeFlink::new());
        let mut board = Board::default();
        board.watch(key("a"), watch(&one, "j1", JobState::Running));
        board.watch(key("b"), watch(&other, "j2", JobState::Running));
        let one_id = cluster_id(&one);
        let refused = Err(FlinkError::Rejected { what: "job overview".into(), status: 503, message: "down".into() });
        assert_eq!(board.changed(one_id, &refused), vec![key("a")]);
        assert_eq!(board.len(), 1);
        assert_eq!(board.clusters().len(), 1, "a cluster without watched jobs is not asked");
    }

    #[test]
    fn a_new_watch_replaces_the_old_and_deleted_deployments_are_forgotten() {
        let one: Arc<dyn FlinkCluster> = Arc::new(FakeFlink::new());
        let other: Arc<dyn FlinkCluster> = Arc::new(FakeFlink::new());
        let mut board = Board::default();
        board.watch(key("a"), watch(&one, "j1", JobState::Running));
        board.watch(key("a"), watch(&other, "j9", JobState::Restarting));
        assert_eq!(board.len(), 1);
        assert_eq!(board.clusters().len(), 1);
        assert!(Arc::ptr_eq(&board.clusters()[0].1, &other));
        board.retain(&HashSet::new());
        assert!(board.is_empty() && board.clusters().is_empty());
    }
}
