//! The verdict: whether a job restores a savepoint, from the facts the helper JVM reported. Pure:
//! no IO, no clock, no JVM; unit-tested as a table.
//!
//! Expected flow: the caller reads the savepoint and builds the new job's graph with the
//! `Inspector` (and, for a savepoint the console took, the graph of the spec that took it), then
//! calls `judge` and shows the reasons.
//!
//! Guarantees: where Flink 2.3 refuses a restore (state that maps to no operator, a changed max
//! parallelism, a parallelism above the state's max parallelism), the verdict is INCOMPATIBLE, in
//! the words of Flink's own check (`Checkpoints.loadAndValidateCheckpoint`,
//! `StateAssignmentOperation`). For SQL it is stricter than Flink: restored state whose operator
//! now computes something else is INCOMPATIBLE too, and without the old graph it cannot tell.
//!
//! Caveats: ids and max parallelism only. State types and serializers are checked by Flink when
//! the tasks restore; a changed state type passes here and fails the job there.

use std::collections::BTreeSet;

use domain::{ArtifactKind, Compatibility, CompatibilityReason, SuggestedAction};

use crate::facts::{GraphFacts, GraphOperator, GraphVertex, SavepointFacts, SavepointOperator};
use crate::sql::{describe_change, keeps_state, normalize_description, operator_kind};

/// Everything the verdict depends on.
#[derive(Debug, Clone, Copy)]
pub struct JudgeInput<'a> {
    /// The savepoint's operators.
    pub savepoint: &'a SavepointFacts,
    /// The graph of the job that is to restore it.
    pub graph: &'a GraphFacts,
    /// The graph of the spec whose job took the savepoint, if the console knows it (a savepoint it
    /// took); `None` for a savepoint registered from elsewhere.
    pub old_graph: Option<&'a GraphFacts>,
    /// JAR or SQLSCRIPT.
    pub kind: ArtifactKind,
    /// Whether Flink may skip state that maps to no operator (JAR deployments).
    pub allow_non_restored_state: bool,
    /// The Flink version of the job that took the savepoint (its `flinkVersion`), if known.
    pub savepoint_flink_version: Option<&'a str>,
    /// The Flink version the job is to run on (the deployment's or its target's); `None`: the
    /// version whose classes built `graph`.
    pub flink_version: Option<&'a str>,
    /// The job's configured parallelism, for vertices whose graph leaves it to the cluster (≤ 0).
    pub parallelism: Option<u32>,
}

/// The verdict with its reasons (most serious first) and what to do next (most fitting first).
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// The worst of the reasons' verdicts.
    pub compatibility: Compatibility,
    /// Every finding, the most serious first.
    pub reasons: Vec<CompatibilityReason>,
    /// What to do next, the most fitting first.
    pub suggested_actions: Vec<SuggestedAction>,
}

impl Judgement {
    /// The answer when the check could not run to a verdict (the savepoint cannot be read, the
    /// helper is not available, …): UNKNOWN, saying why, leaving the choice to the person.
    pub fn unknown(why: impl Into<String>) -> Self {
        Self {
            compatibility: Compatibility::Unknown,
            reasons: vec![CompatibilityReason {
                compatibility: Compatibility::Unknown,
                message: why.into(),
                operator: None,
            }],
            suggested_actions: vec![Start, ChooseAnotherState, StartWithoutState],
        }
    }
}

use SuggestedAction::{AllowNonRestoredState, ChooseAnotherState, Start, StartWithoutState};

struct Finding {
    reason: CompatibilityReason,
    actions: &'static [SuggestedAction],
}

impl Finding {
    fn new(
        compatibility: Compatibility,
        message: String,
        operator: Option<String>,
        actions: &'static [SuggestedAction],
    ) -> Self {
        Self { reason: CompatibilityReason { compatibility, message, operator }, actions }
    }
}

/// Judges whether the job of `input.graph` restores `input.savepoint`; see the module's rules.
pub fn judge(input: &JudgeInput<'_>) -> Judgement {
    let mut findings = Vec::new();
    versions(input, &mut findings);
    let mapping_before = findings.len();
    let mapped = state_mapping(input, &mut findings);
    if input.kind == ArtifactKind::Sqlscript {
        sql_meaning(input, &mapped, &mut findings);
    }
    let undecided = findings[mapping_before..]
        .iter()
        .any(|f| f.reason.compatibility.severity() >= Compatibility::Unknown.severity());
    if !undecided {
        findings.extend(summary(input, &mapped));
    }
    conclude(findings)
}

/// A savepoint operator with state and where it lands in the new graph.
struct Mapped<'a> {
    state: &'a SavepointOperator,
    operator: &'a GraphOperator,
}

/// Rule 1: the restore rules and the savepoint format are one Flink version's.
fn versions(input: &JudgeInput<'_>, findings: &mut Vec<Finding>) {
    let checker = input.graph.flink_version.as_str();
    let target = input.flink_version.unwrap_or(checker);
    if let Some(source) = input.savepoint_flink_version {
        if major_minor(source) != major_minor(target) {
            findings.push(Finding::new(
                Compatibility::Unknown,
                format!(
                    "The savepoint was taken by a job on Flink {source}, and the job is to run on Flink {target}: \
                     across Flink versions operator ids and state formats may change, and the check knows one \
                     version's rules only. Read Flink's upgrade notes for {source} → {target}."
                ),
                None,
                &[Start, ChooseAnotherState, StartWithoutState],
            ));
        }
    }
    if major_minor(target) != major_minor(checker) {
        findings.push(Finding::new(
            Compatibility::Unknown,
            format!(
                "The check builds the job's graph with Flink {checker}, but the job is to run on Flink {target}: \
                 the graph, and so the operator ids, may differ there."
            ),
            None,
            &[Start, ChooseAnotherState, StartWithoutState],
        ));
    }
}

/// `2.3` of `2.3.0`, `2.3-SNAPSHOT`, `v2.3`; the whole text when it has no such numbers.
fn major_minor(version: &str) -> String {
    let numbers: Vec<&str> = version
        .trim()
        .trim_start_matches(['v', 'V'])
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .take(2)
        .collect();
    if numbers.len() == 2 {
        numbers.join(".")
    } else {
        version.trim().to_owned()
    }
}

/// Rules 2 and 3, Flink's own: every piece of state maps to an operator by id, the max parallelism
/// is unchanged or free to adopt the savepoint's, and no vertex with state runs wider than the
/// state's max parallelism. Returns the operators with state that map.
fn state_mapping<'a>(input: &JudgeInput<'a>, findings: &mut Vec<Finding>) -> Vec<Mapped<'a>> {
    let mut mapped = Vec::new();
    for state in &input.savepoint.operators {
        let label = savepoint_label(state);
        let Some((vertex, operator)) = input.graph.operator(&state.id) else {
            findings.push(unmapped(input, state, label));
            continue;
        };
        if vertex.max_parallelism != -1 && i64::from(vertex.max_parallelism) != i64::from(state.max_parallelism) {
            findings.push(Finding::new(
                Compatibility::Incompatible,
                format!(
                    "Flink refuses the restore: {} {label} was written with max parallelism {}, and the new job \
                     sets max parallelism {} for it (`pipeline.max-parallelism` or `setMaxParallelism`). Flink: \
                     \"Max parallelism mismatch between checkpoint/savepoint state and new program\". Set the max \
                     parallelism back to {}, or start without state.",
                    if state.holds_state() { "the state of" } else { "the savepoint's (empty) entry for" },
                    state.max_parallelism,
                    vertex.max_parallelism,
                    state.max_parallelism
                ),
                Some(label.clone()),
                &[ChooseAnotherState, StartWithoutState],
            ));
        }
        let parallelism = effective_parallelism(vertex, input.parallelism);
        if state.has_state && parallelism > i64::from(state.max_parallelism) {
            findings.push(Finding::new(
                Compatibility::Incompatible,
                format!(
                    "Flink refuses the restore: the maximum parallelism ({}) of the restored state of {label} is \
                     lower than the configured parallelism ({parallelism}). Lower the parallelism to at most {}, or \
                     start without state.",
                    state.max_parallelism, state.max_parallelism
                ),
                Some(label.clone()),
                &[ChooseAnotherState, StartWithoutState],
            ));
        }
        if state.holds_state() {
            mapped.push(Mapped { state, operator });
        }
    }
    mapped
}

fn unmapped(input: &JudgeInput<'_>, state: &SavepointOperator, label: String) -> Finding {
    if !state.holds_state() {
        return Finding::new(
            Compatibility::FullyCompatible,
            format!(
                "{} has no state in the savepoint and no counterpart in the new job; Flink skips it.",
                capitalized(&label)
            ),
            Some(label),
            &[Start],
        );
    }
    let what = state_kind(state);
    match (input.kind, input.allow_non_restored_state) {
        (ArtifactKind::Jar, true) => Finding::new(
            Compatibility::PartiallyCompatible,
            format!(
                "The {what} of {label} is dropped: no operator of the new job has its id, and \"Allow non-restored \
                 state\" lets Flink skip it. The rest of the state is restored."
            ),
            Some(label),
            &[Start, ChooseAnotherState],
        ),
        (ArtifactKind::Jar, false) => Finding::new(
            Compatibility::Incompatible,
            format!(
                "Flink refuses the restore: the {what} of {label} maps to no operator of the new job (\"Cannot map \
                 checkpoint/savepoint state for operator {} to the new program\"). Was its uid changed or the \
                 operator removed? Start with \"Allow non-restored state\" to drop this state.",
                state.id
            ),
            Some(label),
            &[AllowNonRestoredState, ChooseAnotherState, StartWithoutState],
        ),
        (ArtifactKind::Sqlscript, _) => Finding::new(
            Compatibility::Incompatible,
            format!(
                "Flink refuses the restore: the {what} of {label} maps to no operator of the changed query (\"Cannot \
                 map checkpoint/savepoint state for operator {} to the new program\"). The planner gives operators \
                 new ids when the query's plan changes around them.",
                state.id
            ),
            Some(label),
            &[ChooseAnotherState, StartWithoutState],
        ),
    }
}

/// Rule 4, stricter than Flink for SQL: an operator id says where an operator sits in the plan, not
/// what it computes, so restored state must meet the same planner text it was written by.
fn sql_meaning(input: &JudgeInput<'_>, mapped: &[Mapped<'_>], findings: &mut Vec<Finding>) {
    let restored: BTreeSet<&str> = mapped.iter().map(|m| m.operator.generated_id.as_str()).collect();
    match input.old_graph {
        Some(old_graph) => {
            for m in mapped {
                let label = graph_label(m.operator);
                let Some((_, old)) = old_graph.operator(&m.state.id) else {
                    findings.push(Finding::new(
                        Compatibility::Unknown,
                        format!(
                            "{} holds state in the savepoint but is not in the graph recorded for the job that took \
                             it, so what its state means cannot be compared.",
                            capitalized(&label)
                        ),
                        Some(label),
                        &[Start, StartWithoutState],
                    ));
                    continue;
                };
                let (before, after) = (text_of(old), text_of(m.operator));
                if before != after {
                    findings.push(Finding::new(
                        Compatibility::Incompatible,
                        format!(
                            "{}: {}: the restored state belongs to the old computation. Flink would restore it \
                             (the operator id is unchanged) and the operator would continue from values the old \
                             query computed. Start without state, or choose state taken with this query.",
                            operator_kind_or_name(m.operator),
                            describe_change(&before, &after),
                        ),
                        Some(label),
                        &[StartWithoutState, ChooseAnotherState],
                    ));
                }
            }
            for (_, operator) in input.graph.operators() {
                if restored.contains(operator.generated_id.as_str()) {
                    continue;
                }
                let Some((_, old)) = old_graph.operator(&operator.generated_id) else { continue };
                let (before, after) = (text_of(old), text_of(operator));
                if before != after {
                    let label = graph_label(operator);
                    findings.push(Finding::new(
                        Compatibility::FullyCompatible,
                        format!(
                            "{}: {}; it has no state in the savepoint, so the change touches no restored state.",
                            operator_kind_or_name(operator),
                            describe_change(&before, &after),
                        ),
                        Some(label),
                        &[Start],
                    ));
                }
            }
        }
        None if !mapped.is_empty() => findings.push(Finding::new(
            Compatibility::Unknown,
            "The savepoint's script is not known to the console (the savepoint was registered, not taken by one of \
             its jobs): its state maps to the query's operators by id, but a changed query can keep every id and \
             read the old state with another meaning (COUNT(*) → MIN(…) does). Compare the scripts before \
             starting with this state."
                .to_owned(),
            None,
            &[Start, StartWithoutState],
        )),
        None => {}
    }
    for (_, operator) in input.graph.operators() {
        let in_savepoint = input.savepoint.operators.iter().any(|state| operator.has_id(&state.id));
        let kind = operator_kind(operator.description.as_deref().or(operator.name.as_deref()).unwrap_or_default());
        if !in_savepoint && keeps_state(&kind) {
            let label = graph_label(operator);
            findings.push(Finding::new(
                Compatibility::PartiallyCompatible,
                format!(
                    "{} is new: it starts with empty state ({kind} keeps state, and the savepoint has none for it).",
                    capitalized(&label)
                ),
                Some(label),
                &[Start, StartWithoutState],
            ));
        }
    }
}

/// Rule 5: what was compared, when nothing is wrong with the mapping.
fn summary(input: &JudgeInput<'_>, mapped: &[Mapped<'_>]) -> Option<Finding> {
    let total = input.savepoint.operators.len();
    let holding = input.savepoint.operators.iter().filter(|state| state.holds_state()).count();
    if holding == 0 {
        return Some(Finding::new(
            Compatibility::FullyCompatible,
            format!("The savepoint holds no state ({total} operators, all empty): there is nothing to restore."),
            None,
            &[Start],
        ));
    }
    if mapped.is_empty() {
        // All of it is dropped; the reasons that say so are the summary.
        return None;
    }
    let max_parallelisms: BTreeSet<u32> = mapped.iter().map(|m| m.state.max_parallelism).collect();
    let max_parallelisms: Vec<String> = max_parallelisms.iter().map(u32::to_string).collect();
    let which = match (holding, mapped.len()) {
        (1, 1) => "its state maps".to_owned(),
        (all, mapped) if all == mapped => "the state of each maps".to_owned(),
        (_, mapped) => format!("the state of {mapped} of them maps"),
    };
    let meaning = match (input.kind, input.old_graph, mapped.len()) {
        (ArtifactKind::Sqlscript, Some(_), 1) => " The operator still has the planner text its state was written by.",
        (ArtifactKind::Sqlscript, Some(_), _) => " Each still has the planner text its state was written by.",
        _ => "",
    };
    Some(Finding::new(
        Compatibility::FullyCompatible,
        format!(
            "Compared operator ids and max parallelism: {holding} of the savepoint's {total} operators {} state, and \
             {which} to an operator of the new job whose max parallelism ({}) and parallelism fit it.{meaning} \
             Flink checks state types and serializers only when the tasks restore.",
            if holding == 1 { "holds" } else { "hold" },
            max_parallelisms.join(", "),
        ),
        None,
        &[Start],
    ))
}

fn conclude(mut findings: Vec<Finding>) -> Judgement {
    findings.sort_by_key(|f| std::cmp::Reverse(f.reason.compatibility.severity()));
    let compatibility = findings
        .iter()
        .map(|f| f.reason.compatibility)
        .max_by_key(|c| c.severity())
        .unwrap_or(Compatibility::FullyCompatible);
    let mut suggested_actions = Vec::new();
    let deciding = findings.iter().filter(|f| f.reason.compatibility == compatibility);
    for action in deciding.flat_map(|f| f.actions.iter().copied()) {
        if !suggested_actions.contains(&action) {
            suggested_actions.push(action);
        }
    }
    if suggested_actions.is_empty() {
        suggested_actions.push(Start);
    }
    Judgement { compatibility, reasons: findings.into_iter().map(|f| f.reason).collect(), suggested_actions }
}

fn effective_parallelism(vertex: &GraphVertex, configured: Option<u32>) -> i64 {
    if vertex.parallelism > 0 {
        i64::from(vertex.parallelism)
    } else {
        i64::from(configured.unwrap_or(1))
    }
}

/// `operator `counter` (0da0…)`: the uid, else the name without the planner's counter, and the id.
fn savepoint_label(state: &SavepointOperator) -> String {
    label(state.uid.as_deref(), state.name.as_deref(), &state.id)
}

fn graph_label(operator: &GraphOperator) -> String {
    label(operator.uid.as_deref(), operator.name.as_deref(), &operator.generated_id)
}

fn label(uid: Option<&str>, name: Option<&str>, id: &str) -> String {
    match (uid.filter(|u| !u.is_empty()), name.filter(|n| !n.is_empty())) {
        (Some(uid), _) => format!("operator `{uid}` ({id})"),
        (None, Some(name)) => format!("operator `{}` ({id})", normalize_description(name)),
        (None, None) => format!("operator {id}"),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What an operator computes, comparable across JVMs: its planner text, else its name.
fn text_of(operator: &GraphOperator) -> String {
    normalize_description(operator.description.as_deref().or(operator.name.as_deref()).unwrap_or_default())
}

fn operator_kind_or_name(operator: &GraphOperator) -> String {
    let kind = operator_kind(operator.description.as_deref().or(operator.name.as_deref()).unwrap_or_default());
    if kind.is_empty() {
        graph_label(operator)
    } else {
        kind
    }
}

fn state_kind(state: &SavepointOperator) -> &'static str {
    match (state.has_state, state.has_coordinator_state) {
        (true, true) => "state (and coordinator state)",
        (false, true) => "coordinator state",
        _ => "state",
    }
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
