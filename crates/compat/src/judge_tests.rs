//! The rules of `judge` as a table of scenarios, with the ids and texts Flink 2.3 reported for the
//! project's example jobs.

use domain::{ArtifactKind, Compatibility, SuggestedAction};

use super::{judge, JudgeInput, Judgement};
use crate::facts::{GraphFacts, GraphOperator, GraphVertex, SavepointFacts, SavepointOperator};

const NUMBERS: &str = "ca88eee0095684d687a1b6495617f957";
const COUNTER: &str = "0da08f51eaa85fc298e176a139b3649a";
const DISCARD: &str = "298755e8e632b439cafe5a0c747de7e1";
const SQL_SOURCE: &str = "cbc357ccb763df2852fee8c4fc7d55f2";
const SQL_CALC: &str = "7df19f87deec5680128845fd9a6ca18d";
const SQL_AGG: &str = "90bea66de1c231edf33913ecd54406c1";
const SQL_SINK: &str = "17fbfcaabad45985bbdf4da0490487e3";

fn state(id: &str, uid: Option<&str>, name: &str, has_state: bool, coordinator: bool) -> SavepointOperator {
    SavepointOperator {
        id: id.into(),
        uid: uid.map(Into::into),
        name: Some(name.into()),
        parallelism: 1,
        max_parallelism: 128,
        has_state,
        has_coordinator_state: coordinator,
        state_size: if has_state { 1024 } else { 0 },
        fully_finished: false,
    }
}

fn op(id: &str, uid: Option<&str>, name: &str, description: &str) -> GraphOperator {
    GraphOperator {
        generated_id: id.into(),
        user_defined_id: None,
        uid: uid.map(Into::into),
        name: Some(name.into()),
        description: Some(description.into()),
    }
}

fn vertex(operators: Vec<GraphOperator>, parallelism: i32, max_parallelism: i32) -> GraphVertex {
    GraphVertex {
        id: operators[0].generated_id.clone(),
        name: operators.iter().filter_map(|o| o.name.clone()).collect::<Vec<_>>().join(" -> "),
        parallelism,
        max_parallelism,
        operators,
    }
}

fn graph(vertices: Vec<GraphVertex>) -> GraphFacts {
    GraphFacts { flink_version: "2.3.0".into(), job_name: Some("job".into()), vertices }
}

fn counter_savepoint() -> SavepointFacts {
    SavepointFacts {
        checkpoint_id: 7,
        location: Some("file:/tmp/savepoints/savepoint-abc".into()),
        operators: vec![
            state(NUMBERS, Some("numbers"), "Source: numbers", true, true),
            state(COUNTER, Some("counter"), "counter", true, false),
            state(DISCARD, Some("discard"), "discard: Writer", false, false),
        ],
    }
}

/// The counter job's graph; `suffix` changes the uids (and so every id), as `--uid-suffix` does.
fn counter_graph(suffix: &str, parallelism: i32, max_parallelism: i32) -> GraphFacts {
    let id = |base: &str| if suffix.is_empty() { base.to_owned() } else { format!("{}{}", &base[..28], "beef") };
    let uid = |base: &str| format!("{base}{suffix}");
    graph(vec![
        vertex(
            vec![op(&id(NUMBERS), Some(&uid("numbers")), "Source: numbers", "Source: numbers")],
            parallelism,
            max_parallelism,
        ),
        vertex(
            vec![
                op(&id(COUNTER), Some(&uid("counter")), "counter", "counter"),
                op(&id(DISCARD), Some(&uid("discard")), "discard: Writer", "discard: Writer"),
            ],
            parallelism,
            max_parallelism,
        ),
    ])
}

fn sql_savepoint() -> SavepointFacts {
    SavepointFacts {
        checkpoint_id: 3,
        location: None,
        operators: vec![
            state(SQL_SOURCE, None, "Source: src[1]", false, false),
            state(SQL_CALC, None, "Calc[2]", false, false),
            state(SQL_AGG, None, "GroupAggregate[4]", true, false),
            state(SQL_SINK, None, "snk[5]: Writer", false, false),
        ],
    }
}

/// The GROUP BY job's graph, as one JVM numbered it (`counter` is the planner's first number).
fn sql_graph(counter: u32, calc: &str, aggregate: &str) -> GraphFacts {
    let n = |offset: u32| counter + offset;
    graph(vec![
        vertex(
            vec![
                op(
                    SQL_SOURCE,
                    None,
                    &format!("Source: src[{}]", n(0)),
                    &format!(
                        "[{}]:TableSourceScan(table=[[default_catalog, default_database, src]], fields=[k, v])",
                        n(0)
                    ),
                ),
                op(SQL_CALC, None, &format!("Calc[{}]", n(1)), &format!("[{}]:{calc}", n(1))),
            ],
            1,
            -1,
        ),
        vertex(
            vec![
                op(SQL_AGG, None, &format!("GroupAggregate[{}]", n(3)), &format!("[{}]:{aggregate}", n(3))),
                op(SQL_SINK, None, &format!("snk[{}]: Writer", n(4)), &format!("snk[{}]: Writer", n(4))),
            ],
            1,
            -1,
        ),
    ])
}

const COUNT_STAR: &str = "GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS cnt])";
const MIN_K: &str = "GroupAggregate(groupBy=[k], select=[k, MIN($f1) AS cnt])";

struct Case {
    savepoint: SavepointFacts,
    graph: GraphFacts,
    old_graph: Option<GraphFacts>,
    kind: ArtifactKind,
    allow_non_restored_state: bool,
    savepoint_flink_version: Option<&'static str>,
    flink_version: Option<&'static str>,
}

impl Case {
    fn jar(graph: GraphFacts) -> Self {
        Self {
            savepoint: counter_savepoint(),
            graph,
            old_graph: Some(counter_graph("", 1, -1)),
            kind: ArtifactKind::Jar,
            allow_non_restored_state: false,
            savepoint_flink_version: Some("2.3.0"),
            flink_version: None,
        }
    }

    fn sql(graph: GraphFacts, old_graph: Option<GraphFacts>) -> Self {
        Self {
            savepoint: sql_savepoint(),
            graph,
            old_graph,
            kind: ArtifactKind::Sqlscript,
            allow_non_restored_state: false,
            savepoint_flink_version: None,
            flink_version: None,
        }
    }

    fn judge(&self) -> Judgement {
        judge(&JudgeInput {
            savepoint: &self.savepoint,
            graph: &self.graph,
            old_graph: self.old_graph.as_ref(),
            kind: self.kind,
            allow_non_restored_state: self.allow_non_restored_state,
            savepoint_flink_version: self.savepoint_flink_version,
            flink_version: self.flink_version,
            parallelism: None,
        })
    }
}

fn messages(judgement: &Judgement) -> String {
    judgement
        .reasons
        .iter()
        .map(|r| format!("[{}] {}", r.compatibility.as_str(), r.message))
        .collect::<Vec<_>>()
        .join("\n")
}

use Compatibility::{FullyCompatible, Incompatible, PartiallyCompatible, Unknown};
use SuggestedAction::{AllowNonRestoredState, ChooseAnotherState, Start, StartWithoutState};

#[test]
fn the_verdict_of_each_scenario_is_flinks_or_stricter() {
    let with_allow = |mut case: Case| {
        case.allow_non_restored_state = true;
        case
    };
    let table: Vec<(&str, Case, Compatibility, &[SuggestedAction], &str)> = vec![
        ("unchanged JAR job", Case::jar(counter_graph("", 1, -1)), FullyCompatible, &[Start], "Compared operator ids"),
        (
            "other uids",
            Case::jar(counter_graph("_v2", 1, -1)),
            Incompatible,
            &[AllowNonRestoredState, ChooseAnotherState, StartWithoutState],
            "Cannot map checkpoint/savepoint state for operator ca88eee0095684d687a1b6495617f957",
        ),
        (
            "other uids, non-restored state allowed",
            with_allow(Case::jar(counter_graph("_v2", 1, -1))),
            PartiallyCompatible,
            &[Start, ChooseAnotherState],
            "is dropped",
        ),
        (
            "parallelism above the state's max parallelism",
            Case::jar(counter_graph("", 200, -1)),
            Incompatible,
            &[ChooseAnotherState, StartWithoutState],
            "the maximum parallelism (128) of the restored state of operator `counter`",
        ),
        (
            "a configured max parallelism other than the state's",
            Case::jar(counter_graph("", 1, 256)),
            Incompatible,
            &[ChooseAnotherState, StartWithoutState],
            "Max parallelism mismatch",
        ),
        ("the same max parallelism, configured", Case::jar(counter_graph("", 4, 128)), FullyCompatible, &[Start], "(128)"),
        (
            "a savepoint of another Flink version",
            Case { savepoint_flink_version: Some("1.20.1"), ..Case::jar(counter_graph("", 1, -1)) },
            Unknown,
            &[Start, ChooseAnotherState, StartWithoutState],
            "Flink 1.20.1",
        ),
        (
            "a patch release is the same version",
            Case { savepoint_flink_version: Some("2.3.1"), ..Case::jar(counter_graph("", 1, -1)) },
            FullyCompatible,
            &[Start],
            "Compared operator ids",
        ),
        (
            "a target on another Flink than the check's",
            Case { flink_version: Some("1.20"), ..Case::jar(counter_graph("", 1, -1)) },
            Unknown,
            &[Start, ChooseAnotherState, StartWithoutState],
            "builds the job's graph with Flink 2.3.0",
        ),
        (
            "unchanged SQL",
            Case::sql(sql_graph(6, "Calc(select=[k])", COUNT_STAR), Some(sql_graph(1, "Calc(select=[k])", COUNT_STAR))),
            FullyCompatible,
            &[Start],
            "The operator still has the planner text its state was written by",
        ),
        (
            "SQL with another aggregate under the same ids",
            Case::sql(sql_graph(6, "Calc(select=[k, CAST(k AS BIGINT) AS $f1])", MIN_K), Some(sql_graph(1, "Calc(select=[k])", COUNT_STAR))),
            Incompatible,
            &[StartWithoutState, ChooseAnotherState],
            "GroupAggregate: `select=[k, COUNT(*) AS cnt]` → `select=[k, MIN($f1) AS cnt]`: the restored state belongs to the old computation",
        ),
        (
            "SQL with a changed stateless operator",
            Case::sql(
                sql_graph(6, "Calc(select=[k], where=[(v > 0)])", COUNT_STAR),
                Some(sql_graph(1, "Calc(select=[k])", COUNT_STAR)),
            ),
            FullyCompatible,
            &[Start],
            "Calc: `Calc(select=[k])` → `Calc(select=[k], where=[(v > 0)])`; it has no state in the savepoint",
        ),
        (
            "SQL of a savepoint the console did not take",
            Case::sql(sql_graph(6, "Calc(select=[k])", COUNT_STAR), None),
            Unknown,
            &[Start, StartWithoutState],
            "script is not known to the console",
        ),
    ];
    for (name, case, verdict, actions, says) in table {
        let judgement = case.judge();
        assert_eq!(judgement.compatibility, verdict, "{name}:\n{}", messages(&judgement));
        assert_eq!(judgement.suggested_actions, actions, "{name}:\n{}", messages(&judgement));
        assert!(messages(&judgement).contains(says), "{name} should say {says:?}:\n{}", messages(&judgement));
    }
}

#[test]
fn state_that_maps_nowhere_is_named_with_uid_and_id_and_empty_entries_are_only_noted() {
    let judgement = Case::jar(counter_graph("_v2", 1, -1)).judge();
    let incompatible: Vec<_> = judgement.reasons.iter().filter(|r| r.compatibility == Incompatible).collect();
    assert_eq!(incompatible.len(), 2, "{}", messages(&judgement));
    assert_eq!(incompatible[0].operator.as_deref(), Some(format!("operator `numbers` ({NUMBERS})").as_str()));
    assert!(incompatible[0].message.contains("state (and coordinator state)"), "{}", incompatible[0].message);
    assert_eq!(incompatible[1].operator.as_deref(), Some(format!("operator `counter` ({COUNTER})").as_str()));
    let discard =
        judgement.reasons.iter().find(|r| r.message.contains("`discard`")).expect("the empty writer is noted");
    assert_eq!(discard.compatibility, FullyCompatible);
    assert!(discard.message.contains("Flink skips it"), "{}", discard.message);

    let mut allowed = Case::jar(counter_graph("_v2", 1, -1));
    allowed.allow_non_restored_state = true;
    let judgement = allowed.judge();
    assert!(
        !messages(&judgement).contains("Compared operator ids"),
        "no summary of nothing:\n{}",
        messages(&judgement)
    );
}

#[test]
fn an_empty_entry_under_another_max_parallelism_is_refused_too() {
    let judgement = Case::jar(counter_graph("", 1, 256)).judge();
    let discard = judgement.reasons.iter().find(|r| r.message.contains("`discard`")).expect("named");
    assert_eq!(discard.compatibility, Incompatible);
    assert!(discard.message.contains("the savepoint's (empty) entry for operator `discard`"), "{}", discard.message);
}

#[test]
fn reasons_come_most_serious_first() {
    let mut case = Case::jar(counter_graph("", 200, 256));
    case.savepoint_flink_version = Some("1.19");
    let judgement = case.judge();
    let severities: Vec<u8> = judgement.reasons.iter().map(|r| r.compatibility.severity()).collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(severities, sorted, "{}", messages(&judgement));
    assert_eq!(judgement.compatibility, Incompatible);
    assert_eq!(judgement.reasons.last().map(|r| r.compatibility), Some(Unknown), "{}", messages(&judgement));
}

#[test]
fn a_user_defined_id_maps_state_like_the_generated_one() {
    let mut new = counter_graph("_v2", 1, -1);
    for operator in new.vertices.iter_mut().flat_map(|v| v.operators.iter_mut()) {
        let old = match operator.uid.as_deref() {
            Some("numbers_v2") => NUMBERS,
            Some("counter_v2") => COUNTER,
            _ => continue,
        };
        operator.user_defined_id = Some(old.to_uppercase());
    }
    let judgement = Case::jar(new).judge();
    assert_eq!(judgement.compatibility, FullyCompatible, "{}", messages(&judgement));
}

#[test]
fn a_parallelism_left_to_the_cluster_is_judged_with_the_configured_one() {
    let case = Case::jar(counter_graph("", -1, -1));
    let judge_with = |parallelism| {
        judge(&JudgeInput {
            savepoint: &case.savepoint,
            graph: &case.graph,
            old_graph: None,
            kind: ArtifactKind::Jar,
            allow_non_restored_state: false,
            savepoint_flink_version: None,
            flink_version: None,
            parallelism,
        })
    };
    assert_eq!(judge_with(Some(200)).compatibility, Incompatible);
    assert_eq!(judge_with(Some(128)).compatibility, FullyCompatible);
    assert_eq!(judge_with(None).compatibility, FullyCompatible);
}

#[test]
fn sql_state_that_maps_nowhere_cannot_be_skipped() {
    // COUNT(*) → SUM(v): the Calc goes away, so the aggregate gets another id.
    let mut new = sql_graph(6, "Calc(select=[k, v])", "GroupAggregate(groupBy=[k], select=[k, SUM(v) AS cnt])");
    new.vertices[1].operators[0].generated_id = "c0ffee0000000000000000000000cafe".into();
    let mut case = Case::sql(new, Some(sql_graph(1, "Calc(select=[k])", COUNT_STAR)));
    case.allow_non_restored_state = true;
    let judgement = case.judge();
    assert_eq!(judgement.compatibility, Incompatible, "{}", messages(&judgement));
    assert_eq!(judgement.suggested_actions, [ChooseAnotherState, StartWithoutState]);
    assert!(messages(&judgement).contains(&format!("Cannot map checkpoint/savepoint state for operator {SQL_AGG}")));
    let new_aggregate = judgement.reasons.iter().find(|r| r.compatibility == PartiallyCompatible).expect("noted");
    assert!(new_aggregate.message.contains("starts with empty state"), "{}", new_aggregate.message);
    assert_eq!(new_aggregate.operator.as_deref(), Some("operator `GroupAggregate` (c0ffee0000000000000000000000cafe)"));
}

#[test]
fn a_new_stateful_sql_operator_starts_empty_and_a_new_stateless_one_is_not_mentioned() {
    let old = sql_graph(1, "Calc(select=[k])", COUNT_STAR);
    let mut new = sql_graph(6, "Calc(select=[k])", COUNT_STAR);
    new.vertices.push(vertex(
        vec![
            op(
                "d0d0000000000000000000000000d0d0",
                None,
                "Deduplicate[20]",
                "[20]:Deduplicate(keep=[FirstRow], key=[k])",
            ),
            op("ca1c000000000000000000000000ca1c", None, "Calc[21]", "[21]:Calc(select=[k])"),
        ],
        1,
        -1,
    ));
    let judgement = Case::sql(new, Some(old)).judge();
    assert_eq!(judgement.compatibility, PartiallyCompatible, "{}", messages(&judgement));
    assert_eq!(judgement.suggested_actions, [Start, StartWithoutState]);
    let partial: Vec<_> = judgement.reasons.iter().filter(|r| r.compatibility == PartiallyCompatible).collect();
    assert_eq!(partial.len(), 1, "{}", messages(&judgement));
    assert!(partial[0].message.contains("Deduplicate keeps state"), "{}", partial[0].message);
    assert!(messages(&judgement).contains("Compared operator ids"), "the mapping itself is fine");
}

#[test]
fn sql_state_missing_from_the_recorded_graph_cannot_be_compared() {
    let mut old = sql_graph(1, "Calc(select=[k])", COUNT_STAR);
    old.vertices.truncate(1);
    let judgement = Case::sql(sql_graph(6, "Calc(select=[k])", COUNT_STAR), Some(old)).judge();
    assert_eq!(judgement.compatibility, Unknown, "{}", messages(&judgement));
    assert_eq!(
        judgement.reasons[0].operator.as_deref(),
        Some(format!("operator `GroupAggregate` ({SQL_AGG})").as_str())
    );
}

#[test]
fn a_savepoint_without_state_restores_into_anything() {
    let mut savepoint = counter_savepoint();
    for operator in &mut savepoint.operators {
        operator.has_state = false;
        operator.has_coordinator_state = false;
    }
    let case = Case { savepoint, ..Case::jar(counter_graph("_v2", 1, -1)) };
    let judgement = case.judge();
    assert_eq!(judgement.compatibility, FullyCompatible, "{}", messages(&judgement));
    assert!(messages(&judgement).contains("nothing to restore"));
}

#[test]
fn the_judgement_reads_as_a_report() {
    let judgement = Case::jar(counter_graph("_v2", 1, -1)).judge();
    let report = domain::CompatibilityReport {
        compatibility: judgement.compatibility,
        reasons: judgement.reasons.clone(),
        suggested_actions: judgement.suggested_actions.clone(),
        savepoint_id: None,
        savepoint_location: "file:/tmp/savepoints/savepoint-abc".into(),
        deployment_version: 1,
        checked_at: "2026-12-01T08:00:00Z".into(),
        took_ms: 12,
    };
    assert_eq!(domain::CompatibilityReport::verdict_of(&report.reasons), judgement.compatibility);
}
