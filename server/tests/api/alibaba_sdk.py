"""Drives the console's /api/v2 with Alibaba Cloud's own, unchanged Python SDK for Realtime Compute
(alibabacloud_ververica20220718), as a notebook or a CI job would: only the endpoint and the
credential (an API token of the console, sent as x-acs-bearer-token) differ from Alibaba Cloud.

Run by server/tests/api/alibaba_sdk.rs in phases (the test writes the job the engine would write
between them):
  python alibaba_sdk.py <port> <token> create <jarUri>      -> prints {"deploymentId", "jobId"}
  python alibaba_sdk.py <port> <token> operate <deploymentId> <jobId> <savepointId>
Each phase asserts the SDK's parsed models and exits non-zero on the first failure.
"""

import json
import sys

from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_util.models import RuntimeOptions
from alibabacloud_ververica20220718 import models as m
from alibabacloud_ververica20220718.client import Client

NS = "default"


def client(port, token):
    return Client(Config(bearer_token=token, endpoint=f"127.0.0.1:{port}", protocol="http"))


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def refused(call, status, code):
    """The SDK raises ClientException with the envelope's status, code and message."""
    try:
        call()
    except ClientException as err:
        check(err.status_code == status, f"status {err.status_code}, expected {status}: {err}")
        check(err.code == code, f"code {err.code!r}, expected {code!r}: {err}")
        check(err.request_id and err.request_id != "None", f"a request id: {err}")
        return err
    raise AssertionError(f"expected {status} {code}")


def create(sdk, jar_uri):
    deployment = m.Deployment(
        name="sdk-counter",
        execution_mode="STREAMING",
        engine_version="vvr-8.0.5-flink-1.17",
        artifact=m.Artifact(
            kind="JAR",
            jar_artifact=m.JarArtifact(
                jar_uri=jar_uri, entry_class="console.examples.StatefulCounter", main_args="--rate 10"
            ),
        ),
        streaming_resource_setting=m.StreamingResourceSetting(
            resource_setting_mode="BASIC",
            basic_resource_setting=m.BasicResourceSetting(
                parallelism=2,
                jobmanager_resource_setting_spec=m.BasicResourceSettingSpec(cpu=1.0, memory="1Gi"),
                taskmanager_resource_setting_spec=m.BasicResourceSettingSpec(cpu=2.0, memory="4Gi"),
            ),
        ),
        flink_conf={"execution.checkpointing.interval": "10s"},
        deployment_target=m.BriefDeploymentTarget(mode="PER_JOB", name="local"),
        labels={"team": "sdk"},
    )
    created = sdk.create_deployment(NS, m.CreateDeploymentRequest(body=deployment)).body
    check(created.success is True and created.http_code == 200, f"created: {created.to_map()}")
    data = created.data
    deployment_id = data.deployment_id
    check(data.name == "sdk-counter", data.name)
    check(data.artifact.jar_artifact.entry_class == "console.examples.StatefulCounter", "entry class")
    check(data.streaming_resource_setting.basic_resource_setting.parallelism == 2, "parallelism")
    basic = data.streaming_resource_setting.basic_resource_setting
    check(basic.taskmanager_resource_setting_spec.memory == "4Gi", "taskmanager memory")
    check(data.deployment_target.name == "local", "target")
    check(data.job_summary.running == 0, "no job yet")

    # The `workspace` header is accepted and ignored.
    headers = m.GetDeploymentHeaders(workspace="any-workspace")
    got = sdk.get_deployment_with_options(NS, deployment_id, headers, RuntimeOptions()).body
    check(got.data.deployment_id == deployment_id and got.data.labels == {"team": "sdk"}, f"got: {got.to_map()}")

    listed = sdk.list_deployments(NS, m.ListDeploymentsRequest(name="sdk-", page_index=1, page_size=5)).body
    check(listed.page_index == 1 and listed.page_size == 5 and listed.total_size == 1, f"page: {listed.to_map()}")
    check([d.deployment_id for d in listed.data] == [deployment_id], "listed")
    by_name = sdk.get_deployments_by_name(NS, "sdk-counter", m.GetDeploymentsByNameRequest()).body
    check([d.deployment_id for d in by_name.data] == [deployment_id], "by name")

    body = m.Deployment(streaming_resource_setting=m.StreamingResourceSetting(
        basic_resource_setting=m.BasicResourceSetting(parallelism=3)))
    updated = sdk.update_deployment(NS, deployment_id, m.UpdateDeploymentRequest(body=body)).body
    check(updated.data.streaming_resource_setting.basic_resource_setting.parallelism == 3, "updated")

    bad = m.Deployment(name="sdk-bad", artifact=m.Artifact(kind="PYTHON"))
    err = refused(lambda: sdk.create_deployment(NS, m.CreateDeploymentRequest(body=bad)), 400, "BadRequest")
    check("artifact.kind: " in err.message, err.message)

    start = m.JobStartParameters(
        deployment_id=deployment_id, restore_strategy=m.DeploymentRestoreStrategy(kind="NONE"))
    started = sdk.start_job_with_params(NS, m.StartJobWithParamsRequest(body=start)).body
    job = started.data
    check(job.status.current_job_status == "STARTING", f"started: {started.to_map()}")
    check(job.deployment_id == deployment_id and job.restore_strategy.kind == "NONE", "the start")
    refused(lambda: sdk.start_job_with_params(NS, m.StartJobWithParamsRequest(body=start)), 409, "Conflict")
    print(json.dumps({"deploymentId": deployment_id, "jobId": job.job_id}))


def operate(sdk, deployment_id, job_id, savepoint_id):
    got = sdk.get_job(NS, job_id).body.data
    check(got.job_id == job_id and got.status.current_job_status == "RUNNING", f"job: {got.to_map()}")
    check(got.status.running.observed_flink_job_status == "RUNNING", "Flink's view")
    jobs = sdk.list_jobs(NS, m.ListJobsRequest(deployment_id=deployment_id, page_index=1, page_size=10)).body
    check(jobs.total_size == 1 and jobs.data[0].job_id == job_id, f"jobs: {jobs.to_map()}")
    summary = sdk.get_deployment(NS, deployment_id).body.data.job_summary
    check(summary.running == 1, f"summary: {summary.to_map()}")

    # The deployment does not run in this console (no engine here): Flink cannot take a savepoint.
    request = m.CreateSavepointRequest(deployment_id=deployment_id, native_format=False, description="sdk")
    refused(lambda: sdk.create_savepoint(NS, request), 409, "Conflict")
    savepoints = sdk.list_savepoints(NS, m.ListSavepointsRequest(deployment_id=deployment_id)).body
    check([s.savepoint_id for s in savepoints.data] == [savepoint_id], f"savepoints: {savepoints.to_map()}")
    savepoint = sdk.get_savepoint(NS, savepoint_id).body.data
    check(savepoint.status.state == "COMPLETED" and savepoint.savepoint_location, f"{savepoint.to_map()}")
    check(isinstance(savepoint.created_at, int), "ms since the epoch")

    drain = m.StopJobRequest(body=m.StopJobRequestBody(stop_strategy="STOP_WITH_DRAIN"))
    drained = sdk.stop_job(NS, job_id, drain).body.data
    check(drained.status.current_job_status == "CANCELLING", f"drained: {drained.to_map()}")
    stop = m.StopJobRequest(body=m.StopJobRequestBody(stop_strategy="STOP_WITH_SAVEPOINT"))
    stopped = sdk.stop_job(NS, job_id, stop).body.data
    check(stopped.status.current_job_status == "CANCELLING", f"stopped: {stopped.to_map()}")
    # A drain can no longer be promised once the suspension is under way.
    refused(lambda: sdk.stop_job(NS, job_id, drain), 409, "Conflict")

    events = sdk.get_events(NS, m.GetEventsRequest(deployment_id=deployment_id)).body
    check(events.total_size >= 1 and events.data[0].deployment_id == deployment_id, f"events: {events.to_map()}")
    targets = sdk.list_deployment_targets(NS, m.ListDeploymentTargetsRequest()).body
    check([t.name for t in targets.data] == ["local"], f"targets: {targets.to_map()}")

    policy = sdk.get_autopilot_policy(NS, deployment_id, m.GetAutopilotPolicyRequest()).body.data
    check(policy.enabled is False and policy.policy_config.limits.cool_down_minutes == 10, f"{policy.to_map()}")

    limits = m.AutopilotPolicyLimits(job_max_parallelism=8, job_max_memory="16g")
    update = m.UpdateAutopilotPolicyRequest(enabled=False, policy_config=m.AutopilotPolicy(limits=limits))
    updated = sdk.update_autopilot_policy(NS, deployment_id, update).body.data
    check(updated.policy_config.limits.job_max_parallelism == 8, f"{updated.to_map()}")
    check(updated.policy_config.limits.job_max_memory == "16384m", f"{updated.to_map()}")

    setting = m.BriefResourceSetting(streaming_resource_setting=m.StreamingResourceSetting(
        basic_resource_setting=m.BasicResourceSetting(parallelism=4)), flink_conf={"a.b": "c"})
    daily = m.PeriodicSchedulingPolicy(
        periodic_scheduling_level="DAY", periodic_trigger_time=72_000_000, resource_setting=setting)
    plan = m.ScheduledPlan(name="evening", deployment_id=deployment_id, periodic_scheduling_policies=[daily])
    created = sdk.create_scheduled_plan(NS, m.CreateScheduledPlanRequest(body=plan)).body.data
    plan_id = created.scheduled_plan_id
    point = created.periodic_scheduling_policies[0]
    check(point.periodic_trigger_time == 72_000_000, f"{created.to_map()}")
    check(point.resource_setting.streaming_resource_setting.basic_resource_setting.parallelism == 4, "setting")
    plans = sdk.list_scheduled_plan(NS, m.ListScheduledPlanRequest(deployment_id=deployment_id)).body
    check([p.scheduled_plan_id for p in plans.data] == [plan_id] and plans.total_size == 1, f"{plans.to_map()}")
    applied = sdk.apply_scheduled_plan(NS, plan_id).body.data
    check(applied.status_state == "APPLIED" and applied.scheduled_plan_name == "evening", f"{applied.to_map()}")
    current = sdk.get_applied_scheduled_plan(NS, m.GetAppliedScheduledPlanRequest(deployment_id=deployment_id)).body
    check(current.data.scheduled_plan_id == plan_id, f"{current.to_map()}")
    stopped_plan = sdk.stop_apply_scheduled_plan(NS, plan_id).body.data
    check(stopped_plan.status_state == "STOPPED", f"{stopped_plan.to_map()}")
    history = sdk.list_scheduled_plan_executed_history(
        NS, m.ListScheduledPlanExecutedHistoryRequest(deployment_id=deployment_id)).body
    check(history.success and history.data == [], f"{history.to_map()}")
    check(sdk.delete_scheduled_plan(NS, plan_id).body.data.name == "evening", "deleted plan")

    deleted = sdk.delete_savepoint(NS, savepoint_id).body
    check(deleted.success is True, f"{deleted.to_map()}")
    refused(lambda: sdk.get_savepoint(NS, savepoint_id), 404, "NotFound")
    deleted = sdk.delete_deployment(NS, deployment_id).body
    check(deleted.success is True, f"{deleted.to_map()}")
    err = refused(lambda: sdk.get_deployment(NS, deployment_id), 404, "NotFound")
    check(deployment_id in err.message, err.message)
    print(json.dumps({"ok": True}))


def main():
    port, token, phase = sys.argv[1], sys.argv[2], sys.argv[3]
    sdk = client(port, token)
    if phase == "create":
        create(sdk, sys.argv[4])
    elif phase == "operate":
        operate(sdk, *sys.argv[4:7])
    else:
        raise SystemExit(f"unknown phase {phase}")


if __name__ == "__main__":
    main()
