#!/usr/bin/env python3
"""Benchmark: `gitops-bump edit`, as the dynamic build and as the static
binary that ships, versus ruamel.yaml's round trip (the usual
comment-preserving tool): the same edits on multi-document manifests from
2 KB to 10 MB, alternated in one run.

    bench/yaml_bench.py [--binary build/gitops-bump] [--static build/static/gitops-bump]
                        [--runs 5] [--ruamel-max-mb 10]

Two scenarios, each a whole process per edit as a workflow step runs it
(ours writes its output with -o, ruamel writes a file too):
  one   bump one service: its container's image and its LAST_COMMIT_MSG env
        value (a message with quotes, '|' and '&'): one document changes;
  all   every Deployment: every container's image, and a new pod template
        annotation (inserted, with the missing 'annotations:' mapping).

For every size it prints the median wall and CPU time of each build, the
static binary's CPU time over the dynamic one's, ruamel's wall time and its
ratio to the static binary, the static binary's CPU time per MB (time must
grow linearly with size), the peak RSS of each (GNU time's %M), and the
bytes each tool changed outside the targets.  That last figure compares
each output with the ideal result (the generator writes it: the input with
only the target lines changed), after dropping the target lines from both;
both our builds must also equal the ideal byte for byte, and ruamel's must
load to the same data.  With --floor (and --floor-static), it also times
bench/yaml_floor.c, built as each of our builds is: libyaml's event parse of
the 10 MB input with nothing done per event, the floor under any editor built
on libyaml, and prints each scenario's cost in floors.  With strace installed, it then counts each build's
memory-mapping system calls on the 10 MB 'all' edit (musl's own malloc made
~22,400 mmap/munmap pairs there).

Goals (issues 3 and 10), for the static binary, the one users run: 10 MB
edited in under 0.3 s of CPU; at most 1.1x the dynamic build's CPU time;
peak RSS under 3x the file size + 8 MB.  The dynamic build is skipped
(columns '-') when --binary is given as ''; the static one likewise.
"""
import argparse
import os
import pathlib
import shutil
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
GOAL_RATIO = 1.1
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


def fmt_ms(v):
    return f"{v * 1000:.1f}ms" if v is not None else "-"


def mmap_calls(binary, args):
    """mmap, munmap and mremap calls of one run of `binary` (strace -c -f),
    or None without strace."""
    strace = shutil.which("strace")
    if not strace:
        return None
    with tempfile.NamedTemporaryFile(mode="r", suffix=".strace") as f:
        subprocess.run([strace, "-f", "-c", "-o", f.name, "-e", "trace=mmap,munmap,mremap",
                        binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        calls = {}
        for line in f.read().splitlines():
            w = line.split()
            if len(w) >= 5 and w[-1] in ("mmap", "munmap", "mremap"):
                calls[w[-1]] = int(w[3])
        return calls


def median_or_none(v):
    return statistics.median(v) if v else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(ROOT / "build" / "gitops-bump"),
                    help="the dynamic build ('' to skip it)")
    ap.add_argument("--static", default=str(ROOT / "build" / "static" / "gitops-bump"),
                    help="the static binary that ships ('' to skip it)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each build per size")
    ap.add_argument("--floor", default="", help="bench/yaml_floor.c built as the dynamic build")
    ap.add_argument("--floor-static", default="",
                    help="bench/yaml_floor.c built as the static binary")
    ap.add_argument("--ruamel-max-mb", type=float, default=10,
                    help="largest size ruamel runs on (it takes ~9 s per MB)")
    opts = ap.parse_args()
    builds = [(name, b) for name, b in (("dynamic", opts.binary), ("static", opts.static)) if b]
    if not builds:
        sys.exit("bench: no binary to measure")
    for _, b in builds:
        if not os.access(b, os.X_OK):
            sys.exit(f"bench: '{b}' is not an executable (make all static)")
    ruamel = [sys.executable, str(ROOT / "bench" / "yaml_ruamel.py")]
    import ruamel.yaml as ry
    print("YAML edit: gitops-bump edit, " + ", ".join(f"{n} ({b})" for n, b in builds)
          + f", vs ruamel.yaml {ry.__version__} round trip (preserve_quotes), "
          "alternated in one run")
    summary = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        for scenario in ("one", "all"):
            print(f"\nscenario '{scenario}': " + " ".join(our_args(scenario, "K")))
            print(f"{'size':>7} {'docs':>6} {'dynamic':>9} {'cpu':>8} {'static':>9} {'cpu':>8} "
                  f"{'st/dyn':>7} {'ruamel':>9} {'ru/st':>6} {'cpu/MB':>8} {'RSS dyn':>8} "
                  f"{'RSS st':>8} {'RSS ruamel':>10} {'outside: ours':>14} {'ruamel':>9}")
            per_mb = []
            for label, size in SIZES:
                inp, ideal, k, n = manifests(size)
                src = tmp / "in.yaml"
                src.write_text(inp)
                wall = {name: [] for name, _ in builds}
                cpu = {name: [] for name, _ in builds}
                rss = {name: [] for name, _ in builds}
                theirs, rss_theirs = [], []
                ruamel_runs = 0 if size > opts.ruamel_max_mb * (1 << 20) else \
                    (3 if size <= 200 << 10 else 1)
                for r in range(max(opts.runs, ruamel_runs)):
                    if r < opts.runs:
                        for name, b in builds:
                            out = tmp / f"{name}.yaml"
                            t, c, m = timed([b, "edit", str(src), "-o", str(out),
                                             *our_args(scenario, k)])
                            wall[name].append(t)
                            cpu[name].append(c)
                            rss[name].append(m)
                    if r < ruamel_runs:
                        t, _, m = timed([*ruamel, str(src), str(tmp / "ruamel.yaml"),
                                         *ruamel_args(scenario, k)])
                        theirs.append(t)
                        rss_theirs.append(m)
                out_ours = None
                for name, _ in builds:
                    got = (tmp / f"{name}.yaml").read_text()
                    if got != ideal[scenario]:
                        sys.exit(f"bench: the {name} build's output at {label} is not the "
                                 "ideal edit")
                    out_ours = outside_bytes(ideal[scenario], got, tmp)
                out_theirs = "-"
                if theirs:
                    got = (tmp / "ruamel.yaml").read_text()
                    safe = YAML(typ="safe", pure=True)
                    if list(safe.load_all(got)) != list(safe.load_all(ideal[scenario])):
                        sys.exit(f"bench: ruamel's output at {label} does not load as the ideal")
                    out_theirs = f"{outside_bytes(ideal[scenario], got, tmp):,}"
                tw = {name: median_or_none(wall.get(name)) for name in ("dynamic", "static")}
                tc = {name: median_or_none(cpu.get(name)) for name in ("dynamic", "static")}
                peak = {name: max(rss[name]) if rss.get(name) and TIME else None
                        for name in ("dynamic", "static")}
                tt = statistics.median(theirs) if theirs else None
                ship = "static" if tc["static"] is not None else "dynamic"
                ratio = (f"{tc['static'] / tc['dynamic']:>6.2f}x"
                         if tc["static"] is not None and tc["dynamic"] else f"{'-':>7}")
                mb = len(inp.encode()) / (1 << 20)
                per_mb.append((label, tc[ship], mb))
                print(f"{label:>7} {n * 3:>6} {fmt_ms(tw['dynamic']):>9} "
                      f"{fmt_ms(tc['dynamic']):>8} {fmt_ms(tw['static']):>9} "
                      f"{fmt_ms(tc['static']):>8} {ratio} "
                      + (f"{tt * 1000:>7.0f}ms {tt / tw[ship]:>5.0f}x" if tt
                         else f"{'-':>9} {'-':>6}")
                      + f" {tc[ship] / mb * 1000:>6.1f}ms {fmt_kb(peak['dynamic']):>8} "
                      f"{fmt_kb(peak['static']):>8} "
                      f"{fmt_kb(max(rss_theirs)) if theirs else '-':>10} {out_ours:>14,} "
                      f"{out_theirs:>9}")
                summary[(scenario, label)] = (tw, tc, peak, len(inp.encode()))
            (l2, c2, m2), (l3, c3, m3) = per_mb[-2], per_mb[-1]
            print(f"  growth (CPU, {ship}): {l2} -> {l3} is {m3 / m2:.0f}x the size and "
                  f"{c3 / c2:.1f}x the time; each further MB costs "
                  f"{(c3 - c2) / (m3 - m2) * 1000:.1f} ms (fixed start-up: "
                  f"{per_mb[0][1] * 1000:.1f} ms at {per_mb[0][0]})")
        inp, _, k, _ = manifests(SIZES[-1][1])
        src = tmp / "in.yaml"
        src.write_text(inp)
        maps = {name: mmap_calls(b, ["edit", str(src), "-o", str(tmp / "m.yaml"),
                                     *our_args("all", k)]) for name, b in builds}
        floors = {name: statistics.median(timed([b, str(src)])[1] for _ in range(opts.runs))
                  for name, b in (("dynamic", opts.floor), ("static", opts.floor_static)) if b}
        # the bytes of the documents 'all' changes (the Deployments)
        changed = sum(len(d) for d in inp.split("\n---") if "kind: Deployment" in d)
        share = changed / len(inp)
    print("\nmemory mappings, 10 MB 'all' (strace -f -c): " + (
        "; ".join(f"{name}: " + ", ".join(f"{c} {call}" for call, c in sorted(m.items()))
                  for name, m in maps.items() if m is not None)
        if any(m is not None for m in maps.values()) else "strace not installed"))
    print("\ngoals (issues 3 and 10), for the " + ship + " binary:")
    for scenario in ("one", "all"):
        tw, tc, peak, size = summary[(scenario, "10 MB")]
        limit = 3 * size / 1024 + 8 * 1024
        rss = peak[ship]
        line = (f"  {scenario}: 10 MB in {tc[ship]:.3f} s CPU, {tw[ship]:.3f} s wall (goal: "
                f"CPU < {GOAL_SECONDS} s: {'met' if tc[ship] < GOAL_SECONDS else 'NOT met'})")
        if tc["static"] is not None and tc["dynamic"]:
            r = tc["static"] / tc["dynamic"]
            line += (f"; static/dynamic CPU {r:.2f}x (goal <= {GOAL_RATIO}x: "
                     f"{'met' if r <= GOAL_RATIO else 'NOT met'})")
        line += ("; peak RSS " + (f"{rss / 1024:.1f} MB (goal < {limit / 1024:.1f} MB: "
                                  f"{'met' if rss < limit else 'NOT met'})" if rss
                                  else "unknown (no GNU time)"))
        print(line)
    if floors:
        print("\nthe floor: libyaml's event parse of the 10 MB input, nothing done per event "
              "(bench/yaml_floor.c): " + ", ".join(f"{name} {c * 1000:.0f} ms CPU"
                                                    for name, c in floors.items()))
        for name, c in floors.items():
            costs = ", ".join(f"'{sc}' {summary[(sc, '10 MB')][1][name] / c:.2f}"
                              for sc in ("one", "all") if summary[(sc, "10 MB")][1].get(name))
            print(f"  {name}: in floors: {costs}; the {GOAL_SECONDS} s goal is "
                  f"{GOAL_SECONDS / c:.2f}")
        print(f"  'all' changes the documents holding {share:.0%} of the bytes; the "
              "verification parses those again on both sides, so a run that keeps it parses "
              f"{1 + 2 * share:.2f} floors' worth of YAML before any work of its own")


if __name__ == "__main__":
    main()
