"""Ververica's notebook client, jupyter-vvp 0.1.0 from PyPI, unchanged: open a session on a
namespace with an API token, read the namespace and the default target, and deploy an INSERT the
way a notebook cell does. Prints one JSON line: what the client saw."""
import json
import sys

from jupytervvp.deploymentoutput import DeploymentOutput
from jupytervvp.deployments import Deployments
from jupytervvp.vvpsession import VvpSession

url, namespace, token = sys.argv[1:4]
# The notebook's output widget polls the deployment from a thread; there is no notebook here.
DeploymentOutput.show_output = lambda self: None
session = VvpSession.create_session(url, namespace, "console", api_key=token)
statement = "INSERT INTO sink\nSELECT word, COUNT(*) FROM src GROUP BY word"
deployment = Deployments.make_deployment(statement, session, None, None)
print(json.dumps({
    "namespace": session.get_namespace_info(),
    "target": Deployments._get_deployment_target(session),
    "deployment": deployment,
    "statement": statement,
}))
