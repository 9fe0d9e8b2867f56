//! The Autopilot's decision table, on recorded metric series (see `fixtures`): each test is one row,
//! named as the fact it shows. `docs/autopilot.md` lists the same rows with their numbers.

mod fixtures;

use autopilot::{
    Action, AutopilotPolicy, AutopilotState, BlockedReason, Direction, JobResources, Limit, Mode, NoChangeReason,
    NotAppliedReason, ShipStrategy, SilentPeriod, SilentPeriods, Strategy, Verdict,
};
use fixtures::*;

/// A keyed counter at 100 % busy behind a source whose backlog grows by 40 records/s while it
/// reads 100/s and is back-pressured 80 % of the time.
fn backlogged() -> Job {
    let mut source = Vertex::new("source", 1, 100.0, 100.0);
    source.back_pressured = 800.0;
    source.lag = Some((0.0, 40.0));
    Job::source_and_keyed_counter(source, Vertex::new("counter", 1, 1000.0, 100.0))
}

/// A counter at parallelism 4, busy 10 %.
fn idle() -> Job {
    Job::source_and_keyed_counter(Vertex::new("source", 1, 50.0, 100.0), Vertex::new("counter", 4, 100.0, 100.0))
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!((actual - expected).abs() < 0.05, "{what}: {actual} is not {expected}");
}

// --- scaling up --------------------------------------------------------------------------------

#[test]
fn a_saturated_keyed_vertex_behind_a_growing_backlog_scales_up_to_a_key_group_divisor() {
    let decision = decide_at(&quick_policy(), &backlogged(), &AutopilotState::default(), ready());
    assert_eq!(decision.action, Action::ScaleUp, "{decision:#?}");
    let counter = vertex(&decision, "counter");
    assert_eq!(counter.verdict, Verdict::Saturated);
    assert_close(counter.busy_percent, 100.0, "busy %");
    assert_close(counter.true_processing_rate.expect("bounded"), 100.0, "true processing rate");
    assert_close(counter.target_rate, 140.0, "target = input 100 + backlog growth 40");
    assert_close(counter.catch_up_rate, 24_000.0 / 1800.0, "catch-up = lag / 30 min");
    assert_eq!(counter.wanted_parallelism, 3, "ceil(236.7 / 100 × 1)");
    assert_eq!(counter.recommended_parallelism, 4, "3 does not divide 128 key groups; 4 does");
    assert_eq!(parallelism(&decision, "source"), 1, "the source is underused but already at 1");
    assert_close(vertex(&decision, "source").back_pressured_percent.expect("reported"), 80.0, "source back-pressure");
    assert_eq!(decision.next_state.last_change_at_ms, Some(ready()));
}

#[test]
fn a_saturated_vertex_without_a_backlog_metric_is_not_scaled_with_the_default_boundary() {
    // The operator's algorithm: with no lag to see, the target rate is what the source manages,
    // which the saturated vertex does manage (utilisation 1.0 = target 0.7 + boundary 0.3).
    let mut job = backlogged();
    job.vertex("source").lag = None;
    let decision = decide_at(&quick_policy(), &job, &AutopilotState::default(), ready());
    assert_eq!(decision.action, Action::NoChange { reason: NoChangeReason::WithinBounds }, "{decision:#?}");
    assert_eq!(vertex(&decision, "counter").verdict, Verdict::WithinBounds);
}

#[test]
fn a_saturated_vertex_at_exactly_its_target_rate_is_not_tipped_by_float_error() {
    // The counter receives 7 of every 25 records the source reads: its target rate is
    // 25 × (7 / 25) = 7.000000000000001 in floating point, its true processing rate 7.
    let mut source = Vertex::new("source", 1, 100.0, 25.0);
    source.back_pressured = 900.0;
    let job = Job::source_and_keyed_counter(source, Vertex::new("counter", 1, 1000.0, 7.0));
    let decision = decide_at(&quick_policy(), &job, &AutopilotState::default(), ready());
    assert_eq!(vertex(&decision, "counter").verdict, Verdict::WithinBounds, "{decision:#?}");
    assert_eq!(decision.action, Action::NoChange { reason: NoChangeReason::WithinBounds });
}

#[test]
fn busy_above_target_plus_a_narrow_boundary_scales_up() {
    let mut policy = quick_policy();
    policy.tuning.utilization_boundary = 0.1;
    let job =
        Job::source_and_keyed_counter(Vertex::new("source", 1, 50.0, 100.0), Vertex::new("counter", 2, 900.0, 100.0));
    let decision = decide_at(&policy, &job, &AutopilotState::default(), ready());
    assert_eq!(decision.action, Action::ScaleUp, "{decision:#?}");
    let counter = vertex(&decision, "counter");
    assert_close(counter.scale_up_threshold, 125.0, "100/s at utilisation 0.8");
    assert_eq!((counter.wanted_parallelism, counter.recommended_parallelism), (3, 4));
}

// --- scaling down ------------------------------------------------------------------------------

#[test]
fn an_idle_vertex_scales_down_by_at_most_the_max_factor() {
    let decision = decide_at(&quick_policy(), &idle(), &AutopilotState::default(), ready());
    assert_eq!(decision.action, Action::ScaleDown, "{decision:#?}");
    let counter = vertex(&decision, "counter");
    assert_eq!(counter.verdict, Verdict::Underused);
    assert_eq!(counter.recommended_parallelism, 2, "factor clamped to 0.4: ceil(0.4 × 4)");
}

#[test]
fn a_scale_down_waits_out_the_interval_then_takes_the_highest_recommendation() {
    let mut policy = quick_policy();
    policy.tuning.scale_down_interval_seconds = 600;
    let mut job = idle();
    job.vertex("counter").max_parallelism = 120;
    let first = decide_at(&policy, &job, &AutopilotState::default(), ready());
    assert_eq!(
        first.action,
        Action::NoChange { reason: NoChangeReason::ScaleDownDelayed { until_ms: ready() + 10 * MINUTE } },
        "{first:#?}"
    );
    assert_eq!(parallelism(&first, "counter"), 4);

    job.vertex("counter").busy = 400.0;
    let meanwhile = decide_at(&policy, &job, &first.next_state, ready() + 5 * MINUTE);
    assert_eq!(meanwhile.action, Action::NoChange { reason: NoChangeReason::WithinBounds }, "{meanwhile:#?}");
    assert_eq!(meanwhile.next_state.pending_scale_downs["counter"].highest_parallelism, 3);

    job.vertex("counter").busy = 100.0;
    let due = decide_at(&policy, &job, &meanwhile.next_state, ready() + 10 * MINUTE);
    assert_eq!(due.action, Action::ScaleDown, "{due:#?}");
    assert_eq!(parallelism(&due, "counter"), 3, "the highest of 2, 3, 2 recommended within the interval");
    assert!(due.next_state.pending_scale_downs.is_empty());
}

#[test]
fn a_scale_up_recommendation_clears_a_waiting_scale_down() {
    let mut policy = quick_policy();
    policy.tuning.scale_down_interval_seconds = 600;
    let first = decide_at(&policy, &idle(), &AutopilotState::default(), ready());
    assert!(first.next_state.pending_scale_downs.contains_key("counter"));
    let mut busy = idle();
    busy.vertex("counter").busy = 700.0;
    let later = decide_at(&policy, &busy, &first.next_state, ready() + MINUTE);
    assert!(later.next_state.pending_scale_downs.is_empty(), "{later:#?}");
}

// --- no flapping -------------------------------------------------------------------------------

#[test]
fn utilisation_wandering_inside_the_boundary_changes_nothing_for_two_hours() {
    let mut job =
        Job::source_and_keyed_counter(Vertex::new("source", 1, 50.0, 100.0), Vertex::new("counter", 2, 450.0, 100.0));
    let mut state = AutopilotState::default();
    for (minute, busy) in (10..130).zip([450.0, 600.0, 800.0, 950.0, 500.0].into_iter().cycle()) {
        job.vertex("counter").busy = busy;
        let decision = decide_at(&quick_policy(), &job, &state, MONDAY + minute * MINUTE);
        assert_eq!(
            decision.action,
            Action::NoChange { reason: NoChangeReason::WithinBounds },
            "minute {minute}, busy {busy}: {decision:#?}"
        );
        assert!(decision.next_state.pending_scale_downs.is_empty(), "minute {minute}");
        state = decision.next_state;
    }
}

#[test]
fn a_saturated_vertex_at_its_max_parallelism_says_so() {
    let mut job = backlogged();
    job.vertex("counter").parallelism = 128;
    let decision = decide_at(&quick_policy(), &job, &AutopilotState::default(), ready());
    assert_eq!(
        decision.action,
        Action::NoChange { reason: NoChangeReason::ParallelismBound { vertex: "counter".into(), parallelism: 128 } },
        "{decision:#?}"
    );
    assert_eq!(vertex(&decision, "counter").verdict, Verdict::Saturated);
}

// --- limits ------------------------------------------------------------------------------------

#[test]
fn job_max_parallelism_caps_a_scale_up() {
    let mut policy = quick_policy();
    policy.limits.job_max_parallelism = Some(3);
    let mut job = backlogged();
    job.vertex("counter").max_parallelism = 120;
    let decision = decide_at(&policy, &job, &AutopilotState::default(), ready());
    assert_eq!(decision.action, Action::ScaleUp, "{decision:#?}");
    assert_eq!(parallelism(&decision, "counter"), 3);
}

#[test]
fn a_job_at_its_max_parallelism_is_recommended_more_but_not_changed() {
    let mut policy = quick_policy();
    policy.limits.job_max_parallelism = Some(3);
    let mut job = backlogged();
    job.vertex("counter").parallelism = 3;
    let decision = decide_at(&policy, &job, &AutopilotState::default(), ready());
    assert_eq!(
        decision.action,
        Action::NotApplied {
            direction: Direction::Up,
            why: NotAppliedReason::LimitReached { limit: Limit::JobMaxParallelism { value: 3 } }
        },
        "{decision:#?}"
    );
    assert!(vertex(&decision, "counter").wanted_parallelism > 3);
    assert_eq!(parallelism(&decision, "counter"), 3);
}

#[test]
fn job_min_parallelism_stops_a_scale_down() {
    let mut policy = quick_policy();
    policy.limits.job_min_parallelism = 3;
    let mut job = idle();
    job.vertex("counter").max_parallelism = 120;
    let decision = decide_at(&policy, &job, &AutopilotState::default(), ready());
    assert_eq!(decision.action, Action::ScaleDown, "{decision:#?}");
    assert_eq!(parallelism(&decision, "counter"), 3);

    policy.limits.job_min_parallelism = 4;
    let decision = decide_at(&policy, &job, &AutopilotState::default(), ready());
    assert_eq!(
        decision.action,
        Action::NotApplied {
            direction: Direction::Down,
            why: NotAppliedReason::LimitReached { limit: Limit::JobMinParallelism { value: 4 } }
        },
        "{decision:#?}"
    );
}

fn two_slot_task_managers() -> JobResources {
    JobResources {
        slots_per_task_manager: 2,
        task_manager_cpu: 1.0,
        task_manager_memory_mib: 2048,
        job_manager_cpu: 0.5,
        job_manager_memory_mib: 1024,
    }
}

#[test]
fn cpu_and_memory_limits_cap_the_parallelism_at_what_fits() {
    for (cpu, memory) in [(Some(1.5), None), (None, Some(1024 + 2048))] {
        let mut policy = quick_policy();
        policy.limits.job_max_cpu = cpu;
        policy.limits.job_max_memory_mib = memory;
        let decision =
            decide_with(&policy, &backlogged(), &AutopilotState::default(), Some(&two_slot_task_managers()), ready());
        assert_eq!(decision.action, Action::ScaleUp, "{cpu:?} {memory:?}: {decision:#?}");
        assert_eq!(parallelism(&decision, "counter"), 2, "one TaskManager of 2 slots fits, wanted 4");
    }
}

#[test]
fn a_job_that_already_fills_its_cpu_limit_gets_no_scale_up() {
    let mut policy = quick_policy();
    policy.limits.job_max_cpu = Some(1.5);
    let mut job = backlogged();
    job.vertex("counter").parallelism = 2;
    let decision = decide_with(&policy, &job, &AutopilotState::default(), Some(&two_slot_task_managers()), ready());
    assert_eq!(
        decision.action,
        Action::NotApplied {
            direction: Direction::Up,
            why: NotAppliedReason::LimitReached { limit: Limit::JobMaxCpu { cores: 1.5, max_parallelism: 2 } }
        },
        "{decision:#?}"
    );
}

#[test]
fn a_cpu_limit_without_the_jobs_sizes_blocks_instead_of_guessing() {
    let mut policy = quick_policy();
    policy.limits.job_max_cpu = Some(4.0);
    let decision = decide_at(&policy, &backlogged(), &AutopilotState::default(), ready());
    assert_eq!(decision.action, Action::Blocked { reason: BlockedReason::ResourcesUnknown });
}

// --- silent periods, cool-down, stabilisation ----------------------------------------------------

#[test]
fn inside_a_silent_period_the_change_is_recommended_but_not_applied() {
    let mut policy = quick_policy();
    let night = SilentPeriod::Day { begin_minute: 23 * 60 + 30, end_minute: 30 };
    policy.silent_periods = SilentPeriods { enabled: true, utc_offset_minutes: 0, periods: vec![night] };
    let decision = decide_at(&policy, &backlogged(), &AutopilotState::default(), ready());
    assert_eq!(
        decision.action,
        Action::NotApplied { direction: Direction::Up, why: NotAppliedReason::SilentPeriod { period: night } },
        "00:10 is inside 23:30–00:30: {decision:#?}"
    );
    assert_eq!(parallelism(&decision, "counter"), 4, "the recommendation stands");
    assert_eq!(decision.next_state.last_change_at_ms, None);

    let mut later = backlogged();
    later.running_since = MONDAY + 60 * MINUTE;
    let decision = decide_at(&policy, &later, &AutopilotState::default(), MONDAY + 70 * MINUTE);
    assert_eq!(decision.action, Action::ScaleUp, "01:10 is outside: {decision:#?}");
}

#[test]
fn the_cool_down_holds_the_next_change_until_it_ends() {
    let mut policy = quick_policy();
    policy.limits.cool_down_minutes = 15;
    let state = AutopilotState { last_change_at_ms: Some(MONDAY - MINUTE), ..AutopilotState::default() };
    let decision = decide_at(&policy, &backlogged(), &state, ready());
    assert_eq!(
        decision.action,
        Action::NotApplied {
            direction: Direction::Up,
            why: NotAppliedReason::CoolDown { until_ms: MONDAY + 14 * MINUTE }
        },
        "{decision:#?}"
    );
    let decision = decide_at(&policy, &backlogged(), &state, MONDAY + 14 * MINUTE);
    assert_eq!(decision.action, Action::ScaleUp, "{decision:#?}");
}

#[test]
fn nothing_is_decided_while_the_job_stabilises_or_the_window_fills() {
    let policy = quick_policy();
    let job = backlogged();
    let state = AutopilotState::default();
    let at = |now| decide_at(&policy, &job, &state, now).action;
    assert_eq!(
        at(MONDAY + 30 * SECOND),
        Action::NoChange { reason: NoChangeReason::Stabilizing { until_ms: MONDAY + MINUTE } }
    );
    assert_eq!(
        at(MONDAY + 3 * MINUTE),
        Action::NoChange { reason: NoChangeReason::CollectingMetrics { until_ms: MONDAY + 6 * MINUTE } }
    );
    assert_eq!(at(MONDAY + 6 * MINUTE), Action::ScaleUp);
}

#[test]
fn samples_of_an_earlier_run_are_ignored_after_a_restart() {
    let policy = quick_policy();
    let mut before = idle();
    before.running_since = MONDAY - 60 * MINUTE;
    let mut history = before.samples(MONDAY - 40 * MINUTE, MONDAY - 30 * SECOND);
    let after = backlogged();
    history.extend(after.samples(MONDAY, MONDAY + 30 * SECOND));
    let decision = autopilot::decide(&autopilot::DecisionInput {
        policy: &policy,
        history: &history,
        state: &AutopilotState::default(),
        resources: None,
        now_ms: MONDAY + 30 * SECOND,
    });
    assert_eq!(decision.action, Action::NoChange { reason: NoChangeReason::Stabilizing { until_ms: MONDAY + MINUTE } });
}

// --- modes and strategies ----------------------------------------------------------------------

#[test]
fn disabled_computes_nothing() {
    let policy = AutopilotPolicy { mode: Mode::Disabled, ..quick_policy() };
    let decision = decide_at(&policy, &backlogged(), &AutopilotState::default(), ready());
    assert_eq!(decision.action, Action::NoChange { reason: NoChangeReason::Disabled });
    assert!(decision.vertices.is_empty());
}

#[test]
fn monitoring_recommends_every_time_but_never_applies() {
    let policy = AutopilotPolicy { mode: Mode::Monitoring, ..quick_policy() };
    let mut state = AutopilotState::default();
    for minute in 10..40 {
        let decision = decide_at(&policy, &backlogged(), &state, MONDAY + minute * MINUTE);
        assert_eq!(
            decision.action,
            Action::NotApplied { direction: Direction::Up, why: NotAppliedReason::Monitoring },
            "minute {minute}"
        );
        assert_eq!(parallelism(&decision, "counter"), 4, "the recommendation is there to read");
        assert!(!decision.applies());
        state = decision.next_state;
    }
    assert_eq!(state.last_change_at_ms, None);
}

#[test]
fn stable_stops_after_its_quiet_period_and_a_restart_by_a_person_resets_it() {
    let mut policy = AutopilotPolicy { strategy: Strategy::Stable, ..quick_policy() };
    policy.tuning.stable_quiet_period_seconds = 3600;
    policy.tuning.stable_max_duration_seconds = 3 * 3600;
    let quiet_for_two_hours =
        AutopilotState { stable_since_ms: Some(MONDAY - 120 * MINUTE), ..AutopilotState::default() };
    let decision = decide_at(&policy, &backlogged(), &quiet_for_two_hours, ready());
    assert_eq!(
        decision.action,
        Action::NotApplied {
            direction: Direction::Up,
            why: NotAppliedReason::StableFinished { since_ms: MONDAY - 60 * MINUTE }
        },
        "{decision:#?}"
    );

    let recently_changed =
        AutopilotState { last_change_at_ms: Some(MONDAY - 20 * MINUTE), ..quiet_for_two_hours.clone() };
    assert_eq!(decide_at(&policy, &backlogged(), &recently_changed, ready()).action, Action::ScaleUp);

    let past_its_maximum = AutopilotState {
        stable_since_ms: Some(MONDAY - 180 * MINUTE),
        last_change_at_ms: Some(MONDAY - 10 * MINUTE),
        ..AutopilotState::default()
    };
    assert!(matches!(
        decide_at(&policy, &backlogged(), &past_its_maximum, ready()).action,
        Action::NotApplied { why: NotAppliedReason::StableFinished { .. }, .. }
    ));

    // The caller sets stableSinceMs when a person restarts the job.
    let restarted = AutopilotState { stable_since_ms: Some(MONDAY - 5 * MINUTE), ..quiet_for_two_hours };
    assert_eq!(decide_at(&policy, &backlogged(), &restarted, ready()).action, Action::ScaleUp);
}

#[test]
fn stable_starts_its_clock_at_the_first_decision() {
    let policy = AutopilotPolicy { strategy: Strategy::Stable, ..quick_policy() };
    let decision = decide_at(&policy, &idle(), &AutopilotState::default(), MONDAY);
    assert_eq!(decision.next_state.stable_since_ms, Some(MONDAY));
}

// --- key groups and the graph ------------------------------------------------------------------

#[test]
fn key_group_alignment_that_would_undo_a_scale_up_blocks_it() {
    let mut policy = quick_policy();
    policy.tuning.vertex_max_parallelism = 6;
    let mut job = backlogged();
    job.vertex("counter").parallelism = 4;
    let decision = decide_at(&policy, &job, &AutopilotState::default(), ready());
    assert_eq!(
        decision.action,
        Action::Blocked {
            reason: BlockedReason::KeyGroupAlignment { vertex: "counter".into(), max_parallelism: 128, wanted: 6 }
        },
        "no divisor of 128 in 5..=6, and 4 is where it is: {decision:#?}"
    );
}

#[test]
fn a_vertex_without_keyed_input_is_not_aligned() {
    let mut job = backlogged();
    job.edges = vec![("source", "counter", ShipStrategy::Rebalance)];
    let decision = decide_at(&quick_policy(), &job, &AutopilotState::default(), ready());
    assert_eq!(parallelism(&decision, "counter"), 3);
}

#[test]
fn target_rates_flow_downstream_through_edge_ratios_and_every_changed_vertex_moves_together() {
    // source (reads 100/s, emits 200/s, backlog +20/s) -HASH-> map (200/s in, 50/s out) -FORWARD-> sink.
    let mut source = Vertex::new("source", 1, 100.0, 100.0);
    source.rate_out = 200.0;
    source.lag = Some((0.0, 20.0));
    let mut map = Vertex::new("map", 1, 1000.0, 200.0);
    map.rate_out = 50.0;
    let sink = Vertex::new("sink", 1, 900.0, 50.0);
    let job = Job {
        vertices: vec![sink, map, source],
        edges: vec![("source", "map", ShipStrategy::Hash), ("map", "sink", ShipStrategy::Forward)],
        running_since: MONDAY,
    };
    let decision = decide_at(&quick_policy(), &job, &AutopilotState::default(), ready());
    let lag = 20.0 * 600.0;
    for (id, target, catch_up) in
        [("source", 120.0, lag / 1800.0), ("map", 240.0, 2.0 * lag / 1800.0), ("sink", 60.0, 0.5 * lag / 1800.0)]
    {
        assert_close(vertex(&decision, id).target_rate, target, &format!("{id} target rate"));
        assert_close(vertex(&decision, id).catch_up_rate, catch_up, &format!("{id} catch-up rate"));
    }
    let order: Vec<&str> = decision.vertices.iter().map(|v| v.vertex_id.as_str()).collect();
    assert_eq!(order, ["source", "map", "sink"], "graph order, sources first");
    assert_eq!(decision.action, Action::ScaleUp, "{decision:#?}");
    assert_eq!(
        (parallelism(&decision, "source"), parallelism(&decision, "map"), parallelism(&decision, "sink")),
        (1, 2, 2)
    );
    assert_eq!(decision.parallelism_by_vertex().len(), 3, "every vertex, for the overrides");
}

#[test]
fn a_long_backlog_forbids_scaling_anything_down() {
    // 1 h of backlog at 100/s, far beyond the 5 min threshold: thresholds become 1 and 0.
    let mut job = idle();
    job.vertex("source").lag = Some((360_000.0, 0.0));
    let decision = decide_at(&quick_policy(), &job, &AutopilotState::default(), ready());
    assert!(decision.processing_backlog);
    assert_eq!(vertex(&decision, "counter").scale_down_threshold, None);
    assert!(!matches!(decision.action, Action::ScaleDown), "{decision:#?}");
}

#[test]
fn without_per_subtask_figures_the_accumulated_times_decide_the_same() {
    // What `SampleDepth::JobDetails` gathers: no busiest-subtask busy time, no back-pressure gauge.
    let job = backlogged();
    let mut history = job.recorded_until(ready(), 20);
    for vertex in history.iter_mut().flat_map(|s| s.vertices.iter_mut()) {
        vertex.busy_time_ms_per_second_max = None;
        vertex.back_pressured_time_ms_per_second_avg = None;
        vertex.records_in_per_second = None;
    }
    let decision = autopilot::decide(&autopilot::DecisionInput {
        policy: &quick_policy(),
        history: &history,
        state: &AutopilotState::default(),
        resources: None,
        now_ms: ready(),
    });
    assert_eq!(decision.action, Action::ScaleUp, "{decision:#?}");
    assert_close(vertex(&decision, "counter").busy_percent, 100.0, "busy from accumulated time");
    assert_close(vertex(&decision, "source").back_pressured_percent.expect("averaged"), 80.0, "back-pressure");
    assert_eq!(parallelism(&decision, "counter"), 4);
}

// --- the wire shape ----------------------------------------------------------------------------

#[test]
fn a_decision_is_camel_case_json_and_reads_back() {
    let decision = decide_at(&quick_policy(), &backlogged(), &AutopilotState::default(), ready());
    let json = serde_json::to_value(&decision).expect("serialisable");
    assert_eq!(json["action"]["type"], "SCALE_UP");
    assert_eq!(json["vertices"][1]["recommendedParallelism"], 4);
    assert!(json["vertices"][1]["busyPercent"].is_number());
    assert!(json["nextState"]["lastChangeAtMs"].is_number());
    let back: autopilot::Decision = serde_json::from_value(json).expect("reads back");
    assert_eq!(back, decision);

    let waiting = decide_at(&quick_policy(), &backlogged(), &AutopilotState::default(), MONDAY + 30 * SECOND);
    let json = serde_json::to_value(&waiting).expect("serialisable");
    assert_eq!(json["action"]["reason"]["type"], "STABILIZING");
    assert_eq!(json["action"]["reason"]["untilMs"], MONDAY + MINUTE);
}

#[test]
fn an_empty_policy_is_the_operators_defaults_and_disabled() {
    let policy: AutopilotPolicy = serde_json::from_str("{}").expect("defaults");
    assert_eq!(policy, AutopilotPolicy::default());
    assert_eq!(policy.mode, Mode::Disabled);
    assert_eq!(policy.tuning.metrics_window_seconds, 900);
    assert_eq!(policy.tuning.stabilization_seconds, 300);
    assert!(policy.validate().is_empty());

    let written = r#"{"mode":"ACTIVE","strategy":"STABLE","limits":{"jobMaxParallelism":8,"coolDownMinutes":5},
        "silentPeriods":{"enabled":true,"periods":[{"level":"WEEK","beginDay":6,"beginMinute":0,"endDay":1,"endMinute":0}]}}"#;
    let policy: AutopilotPolicy = serde_json::from_str(written).expect("a policy");
    assert_eq!(policy.limits.job_max_parallelism, Some(8));
    assert_eq!(policy.limits.job_min_parallelism, 1, "unnamed fields keep their defaults");
    assert!(matches!(policy.silent_periods.periods[0], SilentPeriod::Week { begin_day: 6, .. }));
}

#[test]
fn an_impossible_policy_is_refused_field_by_field() {
    let mut policy = AutopilotPolicy::default();
    policy.tuning.target_utilization = 1.5;
    policy.tuning.max_scale_down_factor = 1.0;
    policy.limits.job_min_parallelism = 5;
    policy.limits.job_max_parallelism = Some(2);
    let fields: Vec<&str> = policy.validate().iter().map(|e| e.field).collect();
    assert_eq!(fields, ["tuning.targetUtilization", "tuning.maxScaleDownFactor", "limits.jobMaxParallelism"]);
}
