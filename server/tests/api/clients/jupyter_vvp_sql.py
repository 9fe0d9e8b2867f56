"""Ververica's notebook client, jupyter-vvp 0.1.0 from PyPI, unchanged: run `%%flink_sql` cells the
way the magic does (`flinksql.run_query`: validate, then execute DDL and commands or deploy an
INSERT), and one invalid cell. Prints one JSON line: what the client saw."""
import json
import sys

from jupytervvp.deploymentoutput import DeploymentOutput
from jupytervvp.flinksql import SqlSyntaxException, run_query
from jupytervvp.vvpsession import VvpSession

url, namespace, token = sys.argv[1:4]
# The notebook's output widget polls the deployment from a thread; there is no notebook here.
DeploymentOutput.show_output = lambda self: None


class Shell:
    """What the magic reads of IPython's shell: the notebook's variables."""
    user_ns = {}


class Args:
    """The magic's parsed arguments: no deployment parameters."""
    parameters = None


session = VvpSession.create_session(url, namespace, "console", api_key=token)
seen = {}
created = run_query(session, "CREATE TABLE src (word STRING) WITH ('connector' = 'datagen')", Shell(), Args())
seen["created"] = created.to_dict(orient="records")
run_query(session, "CREATE TABLE sink (word STRING, cnt BIGINT) WITH ('connector' = 'blackhole')", Shell(), Args())
seen["tables"] = list(run_query(session, "SHOW TABLES", Shell(), Args())["table name"])
seen["insert"] = "INSERT INTO sink\nSELECT word, COUNT(*) FROM src GROUP BY word"
seen["deployment"] = run_query(session, seen["insert"], Shell(), Args())
try:
    run_query(session, "SELECT word,\n  nope FROM src", Shell(), Args())
    seen["invalid"] = None
except SqlSyntaxException as refused:
    seen["invalid"] = {"message": str(refused), "details": refused.get_details()}
print(json.dumps(seen))
