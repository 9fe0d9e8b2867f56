//! What the helper JVM reports: a savepoint's operators and a job graph's vertices and operators.
//! Plain data in the helper's JSON shape; serialisable, so a caller may keep a job's graph for
//! later checks against the savepoints that job takes.

use serde::{Deserialize, Serialize};

/// A savepoint's (or retained checkpoint's) `_metadata`, as Flink reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavepointFacts {
    /// The checkpoint id the savepoint was taken as.
    pub checkpoint_id: i64,
    /// Where Flink resolved the savepoint (`file:/…`, the form REST reports).
    #[serde(default)]
    pub location: Option<String>,
    /// Every operator the savepoint holds an entry for, with or without state.
    pub operators: Vec<SavepointOperator>,
}

/// One operator's entry in a savepoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavepointOperator {
    /// The operator id (32 hex digits).
    pub id: String,
    /// The operator's `uid()`, when the job set one (Flink records it since 1.x; SQL jobs set none).
    #[serde(default)]
    pub uid: Option<String>,
    /// The operator's name (SQL names carry the planner's per-JVM counter, `GroupAggregate[4]`).
    #[serde(default)]
    pub name: Option<String>,
    /// The parallelism it ran with.
    pub parallelism: u32,
    /// The max parallelism its keyed state is split for (key groups).
    pub max_parallelism: u32,
    /// Whether any subtask holds state (keyed, operator, raw).
    pub has_state: bool,
    /// Whether its operator coordinator (a source's enumerator) holds state.
    pub has_coordinator_state: bool,
    /// Bytes of state.
    #[serde(default)]
    pub state_size: u64,
    /// Whether every subtask had finished when the savepoint was taken.
    #[serde(default)]
    pub fully_finished: bool,
}

impl SavepointOperator {
    /// Whether restoring it matters: Flink refuses to drop an entry only when this holds.
    pub fn holds_state(&self) -> bool {
        self.has_state || self.has_coordinator_state
    }
}

/// The job graph a program builds (its `main()` run in plan mode), as the JobManager would get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphFacts {
    /// The Flink version whose classes built the graph.
    pub flink_version: String,
    /// The job's name.
    #[serde(default)]
    pub job_name: Option<String>,
    /// Its vertices (chains of operators), sources first.
    pub vertices: Vec<GraphVertex>,
}

impl GraphFacts {
    /// The vertex and operator whose generated or user-defined id is `id` (hex, any case).
    pub fn operator(&self, id: &str) -> Option<(&GraphVertex, &GraphOperator)> {
        self.vertices.iter().find_map(|vertex| {
            vertex.operators.iter().find(|operator| operator.has_id(id)).map(|operator| (vertex, operator))
        })
    }

    /// Every operator with its vertex.
    pub fn operators(&self) -> impl Iterator<Item = (&GraphVertex, &GraphOperator)> {
        self.vertices.iter().flat_map(|vertex| vertex.operators.iter().map(move |operator| (vertex, operator)))
    }
}

/// A job vertex: a chain of operators that runs as one task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphVertex {
    /// The JobVertexID (the chain head's generated operator id).
    pub id: String,
    /// The vertex's name (`counter -> discard: Writer`).
    pub name: String,
    /// Its parallelism.
    pub parallelism: i32,
    /// Its max parallelism; -1 when neither `pipeline.max-parallelism` nor the job sets one, and
    /// the vertex then adopts the savepoint's.
    pub max_parallelism: i32,
    /// Its operators, the chain's head first.
    pub operators: Vec<GraphOperator>,
}

/// One operator of a vertex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphOperator {
    /// The id Flink generates: a hash of the `uid()` if set, else of the topology and chaining.
    pub generated_id: String,
    /// The id set with `setUidHash(…)`, if any; Flink maps state to it too.
    #[serde(default)]
    pub user_defined_id: Option<String>,
    /// The operator's `uid()`, if set.
    #[serde(default)]
    pub uid: Option<String>,
    /// The operator's name.
    #[serde(default)]
    pub name: Option<String>,
    /// What it computes; for SQL the planner's text (`[4]:GroupAggregate(groupBy=[k], …)`).
    #[serde(default)]
    pub description: Option<String>,
}

impl GraphOperator {
    /// Whether Flink maps savepoint state with operator id `id` to this operator.
    pub fn has_id(&self, id: &str) -> bool {
        self.generated_id.eq_ignore_ascii_case(id)
            || self.user_defined_id.as_deref().is_some_and(|own| own.eq_ignore_ascii_case(id))
    }
}
