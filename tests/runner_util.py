"""The environment of a `uses: OWNER/gitops-bump@v1` step exactly as
actions/runner builds it for a Docker action: every input action.yml
declares is passed as INPUT_<NAME> (upper-cased, hyphens kept, spaces as
'_'), with the `with:` value when the workflow sets one and action.yml's
default otherwise ('' when there is none); `${{ github.token }}` is the
job's token.  The GITHUB_* variables are the ones the runner sets for the
job (a Docker action gets no GITHUB_TOKEN variable).  Nothing else: a test
overlays only what a user's workflow `with:` block would set."""
import json
import pathlib

import yaml

from conftest import ROOT, TOKEN

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def runner_inputs(with_, token=TOKEN):
    """INPUT_* for every input of action.yml: `with_` over the defaults."""
    unknown = set(with_) - set(ACTION["inputs"])
    assert not unknown, "not inputs of action.yml: %s" % unknown
    env = {}
    for name, spec in ACTION["inputs"].items():
        v = with_.get(name, spec.get("default", ""))
        v = "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
        env["INPUT_" + name.replace(" ", "_").upper()] = v.replace("${{ github.token }}", token)
    return env


def runner_env(tmp_path, fake, event_name, event, repository, ref, with_, sha="0" * 40,
               token=TOKEN):
    """The whole environment of the step.  `event` is the event.json's
    content (a dict), written to the runner's temp directory."""
    path = pathlib.Path(tmp_path) / ("%s-event.json" % event_name)
    path.write_text(json.dumps(event))
    workspace = pathlib.Path(tmp_path) / "workspace"
    workspace.mkdir(exist_ok=True)
    env = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": repository,
        "GITHUB_REPOSITORY_OWNER": repository.split("/")[0],
        "GITHUB_REF": ref,
        "GITHUB_REF_NAME": ref.rsplit("/", 1)[-1],
        "GITHUB_SHA": sha,
        "GITHUB_ACTOR": "octocat",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_NUMBER": "7",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_WORKFLOW": "deploy",
        "GITHUB_JOB": "deploy",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": fake.url,
        "GITHUB_GRAPHQL_URL": fake.url + "/graphql",
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(tmp_path),
        "GITOPS_BUMP_RETRY_BASE_MS": "1",
    }
    env.update(runner_inputs(with_, token))
    return env
