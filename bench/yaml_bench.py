#!/usr/bin/env python3
"""Benchmark: `gitops-bump edit` versus ruamel.yaml's round trip (the usual
comment-preserving tool), the same edits on multi-document manifests from
2 KB to 10 MB, alternated in one run.

    bench/yaml_bench.py [--binary build/gitops-bump] [--runs 5] [--ruamel-max-mb 10]

Two scenarios, each a whole process per edit as a workflow step runs it
(ours writes its output with -o, ruamel writes a file too):
  one   bump one service: its container's image and its LAST_COMMIT_MSG env
        value (a message with quotes, '|' and '&'): one document changes;
  all   every Deployment: every container's image, and a new pod template
        annotation (inserted, with the missing 'annotations:' mapping).

For every size it prints the median wall time of each tool and their
ratio, our time per MB (time must grow linearly with size), the peak RSS
of each (GNU time's %M), and the bytes each tool changed outside the
targets.  That last figure compares each output with the ideal result
(the generator writes it: the input with only the target lines changed),
after dropping the target lines from both; ours must also equal the ideal
byte for byte, and ruamel's must load to the same data.

Goals (issue 3): 10 MB edited in under 0.3 s; peak RSS under 3x the file
size + 8 MB.
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from ruamel.yaml import YAML

ROOT = pathlib.Path(__file__).resolve().parent.parent
SIZES = [("2 KB", 2 << 10), ("20 KB", 20 << 10), ("200 KB", 200 << 10), ("2 MB", 2 << 20),
         ("10 MB", 10 << 20)]
DIGEST = "sha256:" + "4f7c9e1b2a3d5c6e" * 4
MESSAGE = 'deploy: fix "quotes" | pipes & more'
REVISION = "rev-4f7c9e1"
ALL_IMAGE = "registry.example.com/shop/app@" + DIGEST
GOAL_SECONDS = 0.3
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

SERVICE = """\
--- # service {i}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i}
  namespace: shop   # team namespace
  labels:
    app: svc-{i}
    tier: "backend"
spec:
  replicas: 2
  selector:
    matchLabels:
      app: svc-{i}
  template:
    metadata:
      labels:
        app: svc-{i}
{annotations}    spec:
      containers:
        - name: svc-{i}
          image: "{image}"
          imagePullPolicy: Always
          args: ["--port", "8080"]
          env:
            - name: SPRING_PROFILES_ACTIVE
              value: sandbox
            - name: LAST_COMMIT_MSG
              value: "{message}"
          resources:
            limits: {{cpu: 500m, memory: 512Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{i}
spec:
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: svc-{i}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: svc-{i}-config
data:
  application.yaml: |
    server:
      port: 8080

    logging:
      level: INFO
"""

OLD_MESSAGE = "<lastCommitMsg>Last git commit is shown in here</lastCommitMsg>"


def service(i, image=None, message=OLD_MESSAGE, annotate=False):
    ann = f"      annotations:\n        gitops-bump/revision: {REVISION}\n" if annotate else ""
    return SERVICE.format(i=i, image=image or f"registry.example.com/shop/svc-{i}:sandbox",
                          message=message.replace("\\", "\\\\").replace('"', '\\"'),
                          annotations=ann)


def manifests(size):
    """The input, the ideal result of each scenario, and the service bumped."""
    n = max(1, size // len(service(0)))
    k = n // 2
    inp = "".join(service(i) for i in range(n))
    one = "".join(service(i, f"registry.example.com/shop/svc-{i}@{DIGEST}", MESSAGE) if i == k
                  else service(i) for i in range(n))
    # the new annotation closes spec.template.metadata, after its labels
    every = "".join(service(i, ALL_IMAGE, annotate=True) for i in range(n))
    return inp, {"one": one, "all": every}, k, n


def our_args(scenario, k):
    if scenario == "one":
        c = f"spec.template.spec.containers[name=svc-{k}]"
        return ["--set", f"{c}.image=registry.example.com/shop/svc-{k}@{DIGEST}",
                "--set", f"{c}.env[name=LAST_COMMIT_MSG].value={MESSAGE}"]
    return ["--set", f"spec.template.spec.containers[*].image={ALL_IMAGE}",
            "--set", f'spec.template.metadata.annotations."gitops-bump/revision"={REVISION}']


def ruamel_args(scenario, k):
    if scenario == "one":
        return ["one", f"svc-{k}", f"registry.example.com/shop/svc-{k}@{DIGEST}", MESSAGE]
    return ["all", ALL_IMAGE, REVISION]


def timed(cmd):
    """Wall seconds, CPU seconds (user + system, from wait4: microseconds,
    where GNU time has centiseconds) and peak RSS (KiB, from GNU time: a
    child forked from this large Python process would report Python's RSS
    as its own; None without GNU time) of one process."""
    full = [TIME, "-f", "%M", "-o", "/dev/stderr", "--"] + cmd if TIME else cmd
    t0 = time.perf_counter()
    p = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d): %s" % (cmd[0], p.returncode,
                                               err.decode(errors="replace")[-2000:]))
    rss = int(err.decode().strip().splitlines()[-1]) if TIME else None
    return dt, usage.ru_utime + usage.ru_stime, rss


def is_target(line):
    return ("@sha256:" in line or "deploy: fix" in line or "gitops-bump/revision" in line
            or line.strip() == "annotations:")


def outside_bytes(ideal, got, tmp):
    """Bytes of the lines that differ between the ideal and a tool's output
    once the target lines are dropped from both (GNU diff does the work)."""
    a, b = tmp / "ideal.f", tmp / "got.f"
    a.write_text("".join(l for l in ideal.splitlines(True) if not is_target(l)))
    b.write_text("".join(l for l in got.splitlines(True) if not is_target(l)))
    p = subprocess.run(["diff", "--unchanged-line-format=", "--old-line-format=%L",
                        "--new-line-format=%L", str(a), str(b)], capture_output=True)
    return len(p.stdout)


def fmt_kb(kb):
    return "-" if kb is None else f"{kb / 1024:.1f} MB"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(ROOT / "build" / "gitops-bump"))
    ap.add_argument("--runs", type=int, default=5, help="runs of ours per size")
    ap.add_argument("--ruamel-max-mb", type=float, default=10,
                    help="largest size ruamel runs on (it takes ~9 s per MB)")
    opts = ap.parse_args()
    ruamel = [sys.executable, str(ROOT / "bench" / "yaml_ruamel.py")]
    import ruamel.yaml as ry
    print(f"YAML edit: gitops-bump edit ({opts.binary}) vs ruamel.yaml {ry.__version__} "
          "round trip (preserve_quotes), alternated in one run")
    summary = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        for scenario in ("one", "all"):
            print(f"\nscenario '{scenario}': " + " ".join(our_args(scenario, "K")))
            print(f"{'size':>7} {'docs':>6} {'ours':>9} {'cpu':>8} {'ruamel':>9} {'ratio':>7} "
                  f"{'cpu/MB':>8} {'RSS ours':>9} {'RSS ruamel':>10} {'outside: ours':>14} "
                  f"{'ruamel':>9}")
            per_mb = []
            for label, size in SIZES:
                inp, ideal, k, n = manifests(size)
                src = tmp / "in.yaml"
                src.write_text(inp)
                mine, theirs, rss_mine, rss_theirs, cpu_mine = [], [], [], [], []
                ruamel_runs = 0 if size > opts.ruamel_max_mb * (1 << 20) else \
                    (3 if size <= 200 << 10 else 1)
                for r in range(max(opts.runs, ruamel_runs)):
                    if r < opts.runs:
                        t, c, m = timed([opts.binary, "edit", str(src), "-o",
                                         str(tmp / "ours.yaml"), *our_args(scenario, k)])
                        mine.append(t)
                        cpu_mine.append(c)
                        rss_mine.append(m)
                    if r < ruamel_runs:
                        t, _, m = timed([*ruamel, str(src), str(tmp / "ruamel.yaml"),
                                         *ruamel_args(scenario, k)])
                        theirs.append(t)
                        rss_theirs.append(m)
                ours_out = (tmp / "ours.yaml").read_text()
                if ours_out != ideal[scenario]:
                    sys.exit(f"bench: our output at {label} is not the ideal edit")
                out_ours = outside_bytes(ideal[scenario], ours_out, tmp)
                out_theirs = "-"
                if theirs:
                    got = (tmp / "ruamel.yaml").read_text()
                    safe = YAML(typ="safe", pure=True)
                    if list(safe.load_all(got)) != list(safe.load_all(ideal[scenario])):
                        sys.exit(f"bench: ruamel's output at {label} does not load as the ideal")
                    out_theirs = f"{outside_bytes(ideal[scenario], got, tmp):,}"
                tm = statistics.median(mine)
                tt = statistics.median(theirs) if theirs else None
                mb = len(inp.encode()) / (1 << 20)
                tc = statistics.median(cpu_mine)
                per_mb.append((label, tc, mb))
                print(f"{label:>7} {n * 3:>6} {tm * 1000:>7.1f}ms "
                      + f"{tc * 1000:>6.1f}ms "
                      + (f"{tt * 1000:>7.0f}ms {tt / tm:>6.0f}x" if tt else f"{'-':>9} {'-':>7}")
                      + f" {tc / mb * 1000:>6.1f}ms {fmt_kb(max(rss_mine)):>9} "
                      f"{fmt_kb(max(rss_theirs)) if theirs else '-':>10} {out_ours:>14,} "
                      f"{out_theirs:>9}")
                summary[(scenario, label)] = (tm, tc, max(rss_mine) if TIME else None,
                                              len(inp.encode()))
            (l2, c2, m2), (l3, c3, m3) = per_mb[-2], per_mb[-1]
            print(f"  growth (CPU): {l2} -> {l3} is {m3 / m2:.0f}x the size and "
                  f"{c3 / c2:.1f}x the time; each further MB costs "
                  f"{(c3 - c2) / (m3 - m2) * 1000:.1f} ms (fixed start-up: "
                  f"{per_mb[0][1] * 1000:.1f} ms at {per_mb[0][0]})")
    print("\ngoals (issue 3):")
    for scenario in ("one", "all"):
        tm, tc, rss, size = summary[(scenario, "10 MB")]
        limit = 3 * size / 1024 + 8 * 1024
        cpu = f", {tc:.3f} s CPU"
        print(f"  {scenario}: 10 MB in {tm:.3f} s wall{cpu} (goal < {GOAL_SECONDS} s: "
              f"{'met' if tm < GOAL_SECONDS else 'NOT met'}); peak RSS "
              + (f"{rss / 1024:.1f} MB (goal < {limit / 1024:.1f} MB: "
                 f"{'met' if rss < limit else 'NOT met'})" if rss else "unknown (no GNU time)"))


if __name__ == "__main__":
    main()
