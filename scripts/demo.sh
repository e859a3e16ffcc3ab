#!/bin/sh
# The whole story against the bundled fake GitHub: no network, no real token.
#
#   sh scripts/demo.sh [BINARY]        (make demo)
#
# 1. starts tests/fakegh.py on a free 127.0.0.1 port with an app repo and a
#    GitOps repo;
# 2. writes the push event a runner would hand the app repo's workflow (a
#    commit message full of the characters that broke the article's curl);
# 3. runs `gitops-bump dispatch` exactly as the Actions runner would
#    (INPUT_* variables with their hyphens, GITHUB_* variables);
# 4. shows what the GitOps repo received, and the event its workflow gets;
# 5. runs `gitops-bump patch` with that event, as the GitOps repo's
#    repository_dispatch workflow would (the article's manifest, with its
#    <lastCommitMsg> marker, on the 'sandbox' branch; `branch: '{environment}'`);
# 6. shows the commit it made through the API and its diff, and reads the
#    manifest back with a YAML parser;
# 7. closes the loop: the dispatch created a GitHub Deployment in the app repo
#    and waited on it (deployment: true, wait: true); the patch posted its
#    statuses and waited for tests/fakeargocd.py (a fake Argo CD that tracks
#    the 'sandbox' branch) to run its commit Synced and Healthy; the sender's
#    wait ends with the GitOps commit's URL.
# 8. deploys an image (with its digest) to two more services the same way,
#    next to the article's raw Deployment: 'web' through a kustomize overlay
#    (its images: entry) and 'api' through a Helm values file (image.tag and
#    the one-string worker image), and shows both commits.
# 9. does it again the least-privilege way: a GitHub App (the test App's key
#    in tests/fixtures/jwt, known only to this fake) mints a token per step,
#    for one repository and one permission, revoked at exit; the sender
#    starts the receiving workflow (via: workflow_dispatch, Actions write:
#    it cannot push) and names the run it started; the receiver reads the
#    payload from the workflow_dispatch event.
# 10. deploys through a pull request (pull-request: true): the deployment
#    waits at 'queued'; a reviewer merges; `gitops-bump land`, the GitOps
#    repo's pull_request closed step, finishes it at Argo CD's verdict on the
#    merge commit.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/gitops-bump}
python=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/gitops-bump-demo.XXXXXX")
token=ghs_demoTokenForTheFakeGitHubOnly0000
argo_token=argocd.demoTokenForTheFakeArgoCDOnly
fake_pid=
argo_pid=
sender_pid=

cleanup() {
	[ -n "$sender_pid" ] && kill "$sender_pid" 2>/dev/null && wait "$sender_pid" 2>/dev/null
	[ -n "$argo_pid" ] && kill "$argo_pid" 2>/dev/null && wait "$argo_pid" 2>/dev/null
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -t 1 ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); else bold='' plain=''; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
json() { "$python" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2, ensure_ascii=False))'; }

app_key=$root/tests/fixtures/jwt/app-pkcs1.pem
"$python" - "$root/tests/fixtures/patch/sandbox-deploy.yaml" "$token" \
	"$root/tests/fixtures/images" "$root/tests/fixtures/jwt/app-public.pem" \
	> "$work/seed.json" <<'EOF'
import json, sys
manifest = open(sys.argv[1]).read()
overlay = open(sys.argv[3] + "/kustomization-with.yaml").read()
values = open(sys.argv[3] + "/values-simple.yaml").read().replace("acme/web", "acme/api")
print(json.dumps({
    "tokens": [{"token": sys.argv[2], "name": "demo", "login": "app-deployer"}],
    "repos": [{"name": "acme/product-service",
               "commits": [{"sha": "4f7c9e1b2a3d5c6e7f8091a2b3c4d5e6f7081920",
                            "message": "the pushed commit"}]},
              {"name": "acme/gitops-repo", "files": {"README.md": "GitOps repo\n"},
               "branches": {"sandbox": {"files": {
                   "product/sandbox/sandbox-deploy.yaml": manifest,
                   "web/overlays/sandbox/kustomization.yaml": overlay,
                   "api/sandbox/values.yaml": values}}},
               "workflows": ["deploy.yml"]}],
    "apps": [{"id": "12345", "public_key": open(sys.argv[4]).read(),
              "installs": {"acme/gitops-repo": {"contents": "write", "actions": "write"}}}]}))
EOF
"$python" "$root/tests/fakegh.py" --port 0 --seed "$work/seed.json" \
	--url-file "$work/url" >/dev/null &
fake_pid=$!
i=0
while [ ! -s "$work/url" ]; do
	i=$((i + 1))
	[ "$i" -gt 100 ] && { echo "demo: the fake GitHub did not start" >&2; exit 1; }
	sleep 0.05
done
url=$(cat "$work/url")
"$python" "$root/tests/fakeargocd.py" --token "$argo_token" --app product-sandbox \
	--github "$url" --repo acme/gitops-repo --branch sandbox \
	--url-file "$work/argo-url" >/dev/null &
argo_pid=$!
i=0
while [ ! -s "$work/argo-url" ]; do
	i=$((i + 1))
	[ "$i" -gt 100 ] && { echo "demo: the fake Argo CD did not start" >&2; exit 1; }
	sleep 0.05
done
argo_url=$(cat "$work/argo-url")

say "1. acme/product-service: a push to 'sandbox' (the fake GitHub listens on $url)"
sha=4f7c9e1b2a3d5c6e7f8091a2b3c4d5e6f7081920
"$python" - "$work/push.json" "$sha" <<'EOF'
import json, sys
message = ('Fix "login" | sed & $(rm -rf /) `id` 100% \\o/ \U0001F680\n\n'
           '::set-output name=image::evil\n로그인 수정')
json.dump({"ref": "refs/heads/sandbox", "before": "0" * 40, "after": sys.argv[2],
           "created": False, "deleted": False, "forced": False,
           "repository": {"name": "product-service", "full_name": "acme/product-service"},
           "pusher": {"name": "dev"}, "sender": {"login": "dev"},
           "head_commit": {"id": sys.argv[2], "message": message}},
          open(sys.argv[1], "w"), ensure_ascii=False)
print("commit message:\n  " + message.replace("\n", "\n  "))
EOF

say "2. its workflow step: uses gitops-bump with mode: dispatch"
echo "   with: { repository: acme/gitops-repo, service: product, deployment: true, wait: true }"
echo "   (it creates a Deployment in acme/product-service, dispatches, and waits on it: step 7)"
env -i PATH="$PATH" \
	GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$work/push.json" \
	GITHUB_REPOSITORY=acme/product-service GITHUB_REF=refs/heads/sandbox \
	GITHUB_SHA="$sha" GITHUB_ACTOR=dev GITHUB_RUN_ID=1001 \
	GITHUB_OUTPUT="$work/outputs" GITOPS_BUMP_POLL_MS=100 \
	INPUT_MODE=dispatch INPUT_TOKEN="$token" INPUT_API-URL="$url" \
	INPUT_REPOSITORY=acme/gitops-repo INPUT_SERVICE=product \
	INPUT_DEPLOYMENT=true INPUT_WAIT=true INPUT_WAIT-TIMEOUT=60 \
	INPUT_DEPLOYMENT-TOKEN="$token" \
	"$bin" > "$work/log" 2>&1 &
sender_pid=$!
i=0
until curl -sf "$url/_fake/repos/acme/gitops-repo/dispatches" | grep -q event_type; do
	i=$((i + 1))
	if [ "$i" -gt 200 ] || ! kill -0 "$sender_pid" 2>/dev/null; then
		cat "$work/log"; echo "demo: dispatch failed" >&2; exit 1
	fi
	sleep 0.05
done
sed 's/^/   | /' "$work/log"

say "3. what acme/gitops-repo received (POST /repos/acme/gitops-repo/dispatches)"
curl -sf "$url/_fake/repos/acme/gitops-repo/dispatches" | "$python" -c '
import json, sys
for d in json.load(sys.stdin):
    print(json.dumps({"event_type": d["event_type"], "client_payload": d["client_payload"]},
                     indent=2, ensure_ascii=False))'

say "4. the event its repository_dispatch workflow gets (github.event)"
curl -sf "$url/_fake/repos/acme/gitops-repo/event?index=-1" > "$work/gitops-event.json"
"$python" -c '
import json, sys
e = json.load(open(sys.argv[1]))
print("github.event.action                       =", e["action"])
print("github.event.client_payload.baseRef       =", e["client_payload"]["baseRef"])
print("github.event.client_payload.commitmsg     =", e["client_payload"]["commitmsg"])
sent = json.load(open(sys.argv[2]))["head_commit"]["message"]
got = e["client_payload"]["source"]["message"]
print("github.event.client_payload.source.message =", json.dumps(got, ensure_ascii=False))
if got != sent:
    sys.exit("demo: the message changed on the way")' \
	"$work/gitops-event.json" "$work/push.json"

say "5. acme/gitops-repo's workflow: on repository_dispatch, uses gitops-bump with mode: patch"
echo "   with: { branch: '{environment}' }   (the article's three steps, in one)"
echo "         { deployment-token: ..., argocd-server: $argo_url }   (step 7)"
curl -sf "$url/_fake/requests" -X DELETE >/dev/null
before=$(curl -sf "$url/_fake/repos/acme/gitops-repo/log?branch=sandbox" |
	"$python" -c 'import json,sys; print(json.load(sys.stdin)[0]["sha"])')
env -i PATH="$PATH" \
	GITHUB_EVENT_NAME=repository_dispatch GITHUB_EVENT_PATH="$work/gitops-event.json" \
	GITHUB_REPOSITORY=acme/gitops-repo GITHUB_REF=refs/heads/main \
	GITHUB_SHA=0000000000000000000000000000000000000000 GITHUB_ACTOR=app-deployer \
	GITHUB_RUN_ID=2002 GITHUB_OUTPUT="$work/patch-outputs" GITOPS_BUMP_POLL_MS=100 \
	INPUT_MODE=patch INPUT_TOKEN="$token" INPUT_API-URL="$url" \
	INPUT_BRANCH='{environment}' INPUT_DEPLOYMENT-TOKEN="$token" \
	INPUT_ARGOCD-SERVER="$argo_url" INPUT_ARGOCD-TOKEN="$argo_token" \
	"$bin" > "$work/patch-log" 2>&1 || { cat "$work/patch-log"; echo "demo: patch failed" >&2; exit 1; }
sed 's/^/   | /' "$work/patch-log"
echo "   requests it sent:"
curl -sf "$url/_fake/requests" | "$python" -c '
import json, sys
for r in json.load(sys.stdin):
    q = "?" + r["raw_query"] if r["raw_query"] else ""
    print("   | %s %s%s -> %s" % (r["method"], r["path"], q, r["status"]))'

say "6. the commit on acme/gitops-repo's 'sandbox' branch (ArgoCD sees it and rolls out)"
curl -sf "$url/_fake/repos/acme/gitops-repo/log?branch=sandbox" > "$work/gitops-log.json"
"$python" - "$work/gitops-log.json" "$before" "$work/push.json" <<'EOF'
import difflib, json, sys
import yaml
c = json.load(open(sys.argv[1]))[0]
if c["parents"] != [sys.argv[2]]:
    sys.exit("demo: expected one new commit on sandbox")
print("commit   ", c["sha"])
print("author   ", c["author"]["name"], "(no author sent: the commit is %s)"
      % ("Verified" if c["verified"] else "not verified"))
print("message  ", "\n".join(("          " + l) if i and l else l
                             for i, l in enumerate(c["message"].split("\n"))))
for path, (old, new) in c["changes"].items():
    for line in difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                     "a/" + path, "b/" + path):
        print("   " + line, end="" if line.endswith("\n") else "\n")
    env = yaml.safe_load(new)["spec"]["template"]["spec"]["containers"][0]["env"]
    value = [e["value"] for e in env if e["name"] == "LAST_COMMIT_MSG"][0]
    pushed = json.load(open(sys.argv[3]))["head_commit"]["message"].split("\n")[0]
    print("\nLAST_COMMIT_MSG, read back by a YAML parser:\n  ",
          json.dumps(value, ensure_ascii=False))
    if not value.endswith(pushed + "</lastCommitMsg>"):
        sys.exit("demo: the manifest does not hold the pushed subject")
EOF
say "7. the loop closed: the app repo's deployment, and the sender's wait"
wait "$sender_pid" || { sed 's/^/   | /' "$work/log"; echo "demo: the sender's wait failed" >&2; exit 1; }
sender_pid=
echo "   the dispatch step, after its wait:"
sed 's/^/   | /' "$work/log"
echo "   its step outputs (\$GITHUB_OUTPUT):"
sed 's/^/   | /' "$work/outputs"
curl -sf "$url/_fake/repos/acme/product-service/deployments" | "$python" -c '
import json, sys
for d in json.load(sys.stdin):
    print("   deployment %d of %s to %s:" % (d["id"], d["sha"][:7], d["environment"]))
    for s in d["statuses"]:
        print("   | %-11s %s%s" % (s["state"], s["description"],
              "  -> " + s["environment_url"] if s["environment_url"] else ""))'
commit_url=$(sed -n 's/^commit-url=//p' "$work/patch-outputs")
grep -qxF "gitops-commit-url=$commit_url" "$work/outputs" ||
	{ echo "demo: the sender's wait did not return the GitOps commit URL" >&2; exit 1; }

say "8. an image, wherever the GitOps repo keeps it: 'web' (kustomize overlay), 'api' (Helm values)"
digest=sha256:9b2c1d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c
for svc in web api; do
	case $svc in
	web) manifest='{service}/overlays/{environment}/kustomization.yaml' ;;
	api) manifest='{service}/{environment}/values.yaml' ;;
	esac
	"$python" - "$work/gitops-event.json" "$svc" "ghcr.io/acme/$svc:1.5.0@$digest" \
		> "$work/event-$svc.json" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))
e["action"] = sys.argv[2]
e["client_payload"].update(service=sys.argv[2], image=sys.argv[3])
print(json.dumps(e))
EOF
	echo "   $svc's pipeline sent image: ghcr.io/acme/$svc:1.5.0@sha256:9b2c...; the step has"
	echo "   with: { branch: '{environment}', image: '{image}', manifest: '$manifest' }"
	env -i PATH="$PATH" \
		GITHUB_EVENT_NAME=repository_dispatch GITHUB_EVENT_PATH="$work/event-$svc.json" \
		GITHUB_REPOSITORY=acme/gitops-repo GITHUB_REF=refs/heads/main \
		GITHUB_SHA=0000000000000000000000000000000000000000 GITHUB_ACTOR=app-deployer \
		GITHUB_RUN_ID=3003 GITHUB_OUTPUT="$work/image-outputs-$svc" \
		INPUT_MODE=patch INPUT_TOKEN="$token" INPUT_API-URL="$url" \
		INPUT_BRANCH='{environment}' INPUT_IMAGE='{image}' INPUT_MANIFEST="$manifest" \
		"$bin" > "$work/image-log-$svc" 2>&1 ||
		{ cat "$work/image-log-$svc"; echo "demo: patch of $svc failed" >&2; exit 1; }
	grep -v '^==\|^---\|^+++\|^@@\|^[ +-]' "$work/image-log-$svc" | sed 's/^/   | /'
	curl -sf "$url/_fake/repos/acme/gitops-repo/log?branch=sandbox" > "$work/image-log.json"
	"$python" - "$work/image-log.json" "$svc" <<'EOF'
import difflib, json, sys
c = json.load(open(sys.argv[1]))[0]
for path, (old, new) in c["changes"].items():
    if not path.startswith(sys.argv[2] + "/"):
        sys.exit("demo: the %s commit changed %s" % (sys.argv[2], path))
    for line in difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                     "a/" + path, "b/" + path):
        print("   " + line, end="" if line.endswith("\n") else "\n")
EOF
done

say "9. least privilege: a GitHub App instead of a stored token, a sender that cannot push"
echo "   app repo:    with: { repository: acme/gitops-repo, service: product, app-id: 12345,"
echo "                        private-key: \${{ secrets.APP_KEY }}, via: workflow_dispatch,"
echo "                        workflow: deploy.yml }"
env -i PATH="$PATH" \
	GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$work/push.json" \
	GITHUB_REPOSITORY=acme/product-service GITHUB_REF=refs/heads/sandbox \
	GITHUB_SHA="$sha" GITHUB_ACTOR=dev GITHUB_RUN_ID=1002 \
	GITHUB_OUTPUT="$work/app-outputs" \
	INPUT_MODE=dispatch INPUT_API-URL="$url" INPUT_REPOSITORY=acme/gitops-repo \
	INPUT_SERVICE=product INPUT_APP-ID=12345 INPUT_PRIVATE-KEY="$(cat "$app_key")" \
	INPUT_VIA=workflow_dispatch INPUT_WORKFLOW=deploy.yml \
	"$bin" > "$work/app-log" 2>&1 || { cat "$work/app-log"; echo "demo: App dispatch failed" >&2; exit 1; }
sed 's/^/   | /' "$work/app-log"
echo "   step outputs run-id and run-url:"
grep -E '^run-(id|url)=' "$work/app-outputs" | sed 's/^/   | /'
curl -sf "$url/_fake/repos/acme/gitops-repo/workflow-event?index=-1" > "$work/wd-event.json"
echo "   GitOps repo:  on: workflow_dispatch (inputs: payload), uses gitops-bump with mode: patch,"
echo "                 app-id and private-key"
env -i PATH="$PATH" \
	GITHUB_EVENT_NAME=workflow_dispatch GITHUB_EVENT_PATH="$work/wd-event.json" \
	GITHUB_REPOSITORY=acme/gitops-repo GITHUB_REF=refs/heads/main \
	GITHUB_SHA=0000000000000000000000000000000000000000 GITHUB_ACTOR=app-deployer \
	GITHUB_RUN_ID=2003 GITHUB_OUTPUT="$work/app-patch-outputs" \
	INPUT_MODE=patch INPUT_API-URL="$url" INPUT_BRANCH='{environment}' INPUT_VALUE='{short_sha} via App' \
	INPUT_APP-ID=12345 INPUT_PRIVATE-KEY="$(cat "$app_key")" \
	"$bin" > "$work/app-patch-log" 2>&1 || { cat "$work/app-patch-log"; echo "demo: App patch failed" >&2; exit 1; }
sed 's/^/   | /' "$work/app-patch-log"
echo "   the tokens the App minted (one repository, one step's permissions each):"
curl -sf "$url/_fake/minted" | "$python" -c '
import json, sys
minted = json.load(sys.stdin)
for m in minted:
    print("   | %-22s %-30s revoked at exit: %s" % (
        ",".join(m["repositories"]), json.dumps(m["permissions"]), m["revoked"]))
if len(minted) != 2 or not all(m["revoked"] for m in minted):
    sys.exit("demo: expected two App tokens, both revoked")'
grep -q '^verified=true' "$work/app-patch-outputs" || { echo "demo: the App commit is not Verified" >&2; exit 1; }
echo "   | the commit is Verified (output verified=true)"
say "10. pull-request mode: the deploy lands when a reviewer merges (mode: land)"
echo "   GitOps repo, patch step: with: { pull-request: true, deployment-token: ... }"
dep_id=$(curl -sf -X POST -H "Authorization: Bearer $token" -H "User-Agent: demo" \
	-H "X-GitHub-Api-Version: 2022-11-28" -H "Accept: application/vnd.github+json" \
	-d "{\"ref\": \"$sha\", \"environment\": \"sandbox\", \"auto_merge\": false, \"required_contexts\": []}" \
	"$url/repos/acme/product-service/deployments" |
	"$python" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$python" -c '
import json, sys
e = json.load(open(sys.argv[1]))
e["client_payload"]["source"]["deployment_id"] = int(sys.argv[2])
print(json.dumps(e))' "$work/gitops-event.json" "$dep_id" > "$work/pr-event.json"
env -i PATH="$PATH" \
	GITHUB_EVENT_NAME=repository_dispatch GITHUB_EVENT_PATH="$work/pr-event.json" \
	GITHUB_REPOSITORY=acme/gitops-repo GITHUB_REF=refs/heads/main \
	GITHUB_SHA=0000000000000000000000000000000000000000 GITHUB_ACTOR=app-deployer \
	GITHUB_RUN_ID=2004 GITHUB_OUTPUT="$work/pr-outputs" \
	INPUT_MODE=patch INPUT_TOKEN="$token" INPUT_API-URL="$url" INPUT_BRANCH='{environment}' \
	INPUT_PULL-REQUEST=true INPUT_VALUE='{short_sha} via a pull request' \
	INPUT_DEPLOYMENT-TOKEN="$token" \
	"$bin" > "$work/pr-log" 2>&1 || { cat "$work/pr-log"; echo "demo: patch (pull request) failed" >&2; exit 1; }
grep -v '^==\|^---\|^+++\|^@@\|^[ +-]' "$work/pr-log" | sed 's/^/   | /'
pr=$(sed -n 's|^pull-request-url=.*/pull/||p' "$work/pr-outputs")
echo "   a reviewer merges pull request #$pr; the GitOps repo's workflow runs"
echo "   on: pull_request: types: [closed], with: { mode: land, deployment-token: ...,"
echo "   argocd-server: $argo_url }"
curl -sf -X POST "$url/_fake/repos/acme/gitops-repo/pulls/$pr/merge" > "$work/merged.json"
"$python" -c '
import json, sys
pr = json.load(open(sys.argv[1]))
print(json.dumps({"action": "closed", "number": pr["number"], "pull_request": pr,
                  "repository": {"full_name": "acme/gitops-repo"},
                  "sender": {"login": "reviewer"}}))' "$work/merged.json" > "$work/closed-event.json"
env -i PATH="$PATH" \
	GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$work/closed-event.json" \
	GITHUB_REPOSITORY=acme/gitops-repo GITHUB_REF="refs/pull/$pr/merge" \
	GITHUB_SHA=0000000000000000000000000000000000000000 GITHUB_ACTOR=reviewer \
	GITHUB_RUN_ID=2005 GITHUB_OUTPUT="$work/land-outputs" GITOPS_BUMP_POLL_MS=100 \
	INPUT_MODE=land INPUT_TOKEN="$token" INPUT_API-URL="$url" \
	INPUT_DEPLOYMENT-TOKEN="$token" INPUT_ARGOCD-SERVER="$argo_url" \
	INPUT_ARGOCD-TOKEN="$argo_token" \
	"$bin" > "$work/land-log" 2>&1 || { cat "$work/land-log"; echo "demo: land failed" >&2; exit 1; }
sed 's/^/   | /' "$work/land-log"
curl -sf "$url/_fake/repos/acme/product-service/deployments" | "$python" -c '
import json, sys
d = [d for d in json.load(sys.stdin) if d["id"] == int(sys.argv[1])][0]
print("   deployment %d of %s to %s:" % (d["id"], d["sha"][:7], d["environment"]))
for s in d["statuses"]:
    print("   | %-11s %s%s" % (s["state"], s["description"],
          "  -> " + s["environment_url"] if s["environment_url"] else ""))
if [s["state"] for s in d["statuses"]] != ["in_progress", "queued", "in_progress", "success"]:
    sys.exit("demo: the pull request deploy did not land")' "$dep_id"
key_line=$(sed -n 2p "$app_key")
if grep -qF "$key_line" "$work/app-log" "$work/app-outputs" "$work/app-patch-log" "$work/app-patch-outputs"; then
	echo "demo: the App's private key appeared in the output" >&2
	exit 1
fi
if grep -qF -e "$token" -e "$argo_token" "$work/log" "$work/outputs" "$work/patch-log" \
	"$work/patch-outputs" "$work/image-log-web" "$work/image-log-api" \
	"$work/image-outputs-web" "$work/image-outputs-api" "$work/app-log" "$work/app-outputs" \
	"$work/app-patch-log" "$work/app-patch-outputs" "$work/pr-log" "$work/pr-outputs" \
	"$work/land-log" "$work/land-outputs"; then
	echo "demo: a token appeared in the output" >&2
	exit 1
fi
echo
echo "Every byte of the message arrived as it was written, landed in the manifest as a"
echo "valid YAML string, the app repo's deployment followed it to Argo CD's verdict at"
echo "that exact commit, and a token appeared nowhere in any step's output.  With a"
echo "GitHub App, no long-lived token exists at all: each step minted its own, for one"
echo "repository and one permission, and revoked it before it ended."
