"""Build-speed benchmark: our pipeline against running the ``weasyprint`` command per handout.

Usage (from the project folder, with the project's virtualenv)::

    .venv/bin/python benchmarks/bench.py                      # N = 10, 50, 200 handouts
    .venv/bin/python benchmarks/bench.py --sizes 10 50        # other sizes
    .venv/bin/python benchmarks/bench.py --jobs 2 --repeat 3  # best of 3 for the full builds
    .venv/bin/python benchmarks/bench.py --sizes 10 --keep    # keep the generated folder

For each N the script generates N synthetic handouts in a temporary folder, from the real
content's text: ~70 % metaphor cards (the real card bodies unchanged, rotated through, with
a numbered title and their own slug and ``order``) and ~30 % articles (the real article
bodies cut at paragraph boundaries to about 500, 900 or 1200 words: 2 to 5 pages). There is
no ``booklet.yml``: both sides of the comparison render the same handouts and nothing else.
``python build.py check --fast`` must pass on the generated folder before anything is timed.

Then, for each N, it measures (wall clock from starting the command to its exit; full builds
best of ``--repeat K``, default 1; the short rebuilds best of ``--short-repeat``, default 5,
since one run of a second or two on a shared machine is mostly noise):

- **full build**: ``python build.py build --content TMP --out OUT -q`` as a subprocess, with
  the default worker count (all cores) or ``--jobs N``; pages/s is rendered pages / seconds;
- **full build, --jobs 1**: the same, one process: ``-j1 / ours`` is the parallel speed-up;
- **no-op rebuild**: the same command again, nothing changed;
- **one-edit rebuild**: a sentence appended to one article, then the command again (the
  manifest is checked: exactly one output was rebuilt);
- **peak RSS** of any one process: each build runs inside a tiny ``python -c`` wrapper that
  runs ``build.py`` in-process and reports ``ru_maxrss`` of itself (the main build process)
  and of its children (the render workers, which are forked and reaped by the build);
- **baseline**: the same HTML (made by the package itself: ``handouts.content.load`` +
  ``incremental.keys_for`` + ``plan.make_job``) rendered by calling ``.venv/bin/weasyprint -s STYLESHEET -u
  BASE_URL --pdf-tags in.html out.pdf`` once per handout, one after another;
- **prep share**: the time spent outside WeasyPrint, measured in a fresh process: ``load()``
  + ``keys_for()`` + ``make_job()`` for every handout (content loading and validation,
  Markdown, templates, QR codes, hashing; lazy imports of Jinja2/Markdown/qrcode included),
  divided by the ``--jobs 1`` full build time.

What is measured is a copy of ``build.py``, ``handouts/``, ``templates/`` and ``styles/``
taken when the script starts (the virtualenv is shared): files edited while it runs change
nothing, so the no-op rebuild stays a no-op. The copy's modules are byte-compiled first, as
in an installed package (no run pays for compiling them, even with PYTHONDONTWRITEBYTECODE).

It prints one table (one row per N) and whether each target is met at the largest N:
baseline/ours >= 3x, -j1/ours >= 1.7x, no-op < 0.5 s, one-edit < 2 s, peak RSS < 400 MB,
prep share < 10 %. Progress goes to stderr, the table to stdout. The default sizes take
about 12-15 minutes on a 2-core machine; ``--skip-baseline`` saves about half of that.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
REAL_CONTENT = PROJECT / "content"
SNAPSHOT_PARTS = ("build.py", "handouts", "templates", "styles")
MANIFEST = ".handouts-manifest.json"
ARTICLE_SHARE = 0.3
ARTICLE_WORD_CAPS = (1200, 500, 900)  # rotated through: about 4-5, 2-3 and 3-4 pages
EDIT_SENTENCE = "Deze zin is toegevoegd om een kleine wijziging te meten ({n})."

TARGETS = {
    "ratio": 3.0,  # baseline / ours
    "speedup": 1.7,  # ours --jobs 1 / ours default
    "noop": 0.5,  # seconds
    "edit": 2.0,  # seconds
    "rss": 400.0,  # MB, any one process
    "prep": 10.0,  # % of the --jobs 1 full build
}

# Runs build.py in this process, then reports the peak RSS of this process (the main build
# process) and of its reaped children (the forked render workers), in KiB, and the CPU time
# of all of them.
BUILD_WRAPPER = """
import json, resource, runpy, sys
report, script = sys.argv[1], sys.argv[2]
sys.argv = sys.argv[2:]
code = 0
try:
    runpy.run_path(script, run_name="__main__")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
with open(report, "w") as handle:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    json.dump({
        "main_kib": own.ru_maxrss,
        "workers_kib": kids.ru_maxrss,
        "own_cpu_s": own.ru_utime + own.ru_stime,
        "kids_cpu_s": kids.ru_utime + kids.ru_stime,
    }, handle)
sys.exit(code)
"""

# Runs the baseline commands one after another; reports the time of the whole sequence, the
# peak RSS of any one weasyprint process and the CPU time of all of them.
BASELINE_WRAPPER = """
import json, resource, subprocess, sys, time
plan, report = sys.argv[1], sys.argv[2]
commands = json.load(open(plan))
failures = []
started = time.perf_counter()
for command in commands:
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0 or done.stderr.strip():
        failures.append([command[-1], done.returncode, done.stderr[-2000:]])
seconds = time.perf_counter() - started
with open(report, "w") as handle:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    json.dump({
        "seconds": seconds,
        "rss_kib": kids.ru_maxrss,
        "cpu_s": kids.ru_utime + kids.ru_stime,
        "failures": failures,
    }, handle)
"""


# ---------------------------------------------------------------------------- helpers


def python_exe() -> str:
    """This interpreter if it can import the package, else the project's virtualenv."""
    try:
        import handouts  # noqa: F401
    except ImportError:
        venv = PROJECT / ".venv" / "bin" / "python"
        if venv.exists():
            return str(venv)
        raise SystemExit("bench: cannot import 'handouts'; run with the project's .venv/bin/python") from None
    return sys.executable


PYTHON = python_exe()
WEASYPRINT = str(Path(PYTHON).parent / "weasyprint")
STARTED = time.perf_counter()


class Tree:
    """The copy of the project under test: subprocesses run there and import its package."""

    root = PROJECT

    @classmethod
    def snapshot(cls, dest: Path) -> None:
        """Copy the code, templates and styles, so that edits made during the run change nothing."""
        dest.mkdir(parents=True)
        for name in SNAPSHOT_PARTS:
            source = PROJECT / name
            if source.is_dir():
                shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, dest / name)
        compileall.compile_dir(dest / "handouts", quiet=1)
        cls.root = dest

    @classmethod
    def run(cls, command: list[str], capture: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(cls.root)}
        return subprocess.run(command, cwd=cls.root, env=env, capture_output=capture, text=True)


def git_state() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *SNAPSHOT_PARTS],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit {head}" + (" + uncommitted changes" if dirty else "")


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr)
    raise SystemExit(1)


def count_pages(folder: Path) -> int:
    from pypdf import PdfReader

    return sum(len(PdfReader(path).pages) for path in sorted(folder.rglob("*.pdf")))


# ---------------------------------------------------------------------------- synthetic content


@dataclass
class RealItem:
    slug: str
    meta: dict[str, object]
    body: str


def read_real(kind: str) -> list[RealItem]:
    import yaml

    items = []
    for path in sorted((REAL_CONTENT / kind).glob("*.md")):
        if "." in path.stem:
            continue  # a translation (glas-water.fr.md): the originals are enough
        text = path.read_text(encoding="utf-8")
        _, meta, body = re.split(r"^---\s*$", text, maxsplit=2, flags=re.MULTILINE)
        items.append(RealItem(path.stem, yaml.safe_load(meta), body.strip("\n") + "\n"))
    if not items:
        fail(f"no {kind} in {REAL_CONTENT}")
    return items


def cut_body(body: str, max_words: int) -> str:
    """The first paragraphs of ``body`` up to ``max_words`` words; never ends on a heading."""
    blocks = [b for b in re.split(r"\n\s*\n", body) if b.strip()]
    kept: list[str] = []
    words = 0
    for block in blocks:
        count = len(block.split())
        if kept and words + count > max_words:
            break
        kept.append(block)
        words += count
    while len(kept) > 1 and kept[-1].lstrip().startswith("#"):
        kept.pop()
    return "\n\n".join(kept) + "\n"


def write_item(path: Path, meta: dict[str, object], body: str) -> None:
    import yaml

    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")


def numbered(text: str, copy: int) -> str:
    return text if copy == 0 else f"{text} ({copy + 1})"


def generate(root: Path, n: int) -> dict[str, int]:
    """N handouts from the real content's text, in ``root`` (a content folder)."""
    articles, cards = read_real("articles"), read_real("metaphors")
    n_articles = max(1, round(n * ARTICLE_SHARE))
    n_cards = n - n_articles
    shutil.copy(REAL_CONTENT / "practice.yml", root / "practice.yml")
    shutil.copytree(REAL_CONTENT / "images", root / "images")
    (root / "articles").mkdir()
    (root / "metaphors").mkdir()
    made: dict[str, list[str]] = {}  # real article slug -> synthetic slugs made from it
    for index in range(n_articles):
        real, copy = articles[index % len(articles)], index // len(articles)
        slug = f"{real.slug}-{copy + 1}"
        meta = dict(real.meta)
        meta["title"] = numbered(str(meta["title"]), copy)
        if meta.get("url"):
            meta["url"] = f"{meta['url']}-{copy + 1}"
        cap = ARTICLE_WORD_CAPS[index % len(ARTICLE_WORD_CAPS)]
        write_item(root / "articles" / f"{slug}.md", meta, cut_body(real.body, cap))
        made.setdefault(real.slug, []).append(slug)
    for index in range(n_cards):
        real, copy = cards[index % len(cards)], index // len(cards)
        meta = dict(real.meta)  # the title as it is: a longer one could push a full card to 2 pages
        meta["order"] = index + 1
        linked = made.get(str(meta.get("article", "")))
        if linked:
            meta["article"] = linked[copy % len(linked)]
        else:
            meta.pop("article", None)
        write_item(root / "metaphors" / f"{real.slug}-{copy + 1}.md", meta, real.body)
    return {"articles": n_articles, "cards": n_cards}


# ---------------------------------------------------------------------------- measurements


@dataclass
class Run:
    seconds: float  # wall clock
    cpu: float  # user + system, all processes
    main_mb: float  # peak RSS of the build process (or of one weasyprint process)
    workers_mb: float = 0.0  # peak RSS of one render worker


def fastest(runs: list[Run]) -> Run:
    return min(runs, key=lambda run: run.seconds)


@dataclass
class Row:
    n: int
    articles: int
    cards: int
    pages: int = 0
    baseline: float | None = None
    baseline_cpu: float | None = None
    baseline_rss_mb: float | None = None
    baseline_pages: int | None = None
    ours: float = 0.0
    ours_cpu: float = 0.0
    ours_j1: float = 0.0
    ours_j1_cpu: float = 0.0
    noop: float = 0.0
    edit: float = 0.0
    main_mb: float = 0.0
    workers_mb: float = 0.0
    prep: float = 0.0
    prep_parts: dict[str, float] = field(default_factory=dict)

    def note(self, run: Run) -> None:
        self.main_mb = max(self.main_mb, run.main_mb)
        self.workers_mb = max(self.workers_mb, run.workers_mb)

    @property
    def ratio(self) -> float | None:
        return self.baseline / self.ours if self.baseline else None

    @property
    def speedup(self) -> float:
        return self.ours_j1 / self.ours

    @property
    def prep_share(self) -> float:
        return 100 * self.prep / self.ours_j1

    @property
    def core_share(self) -> float:
        """CPU / wall of the one-process runs (-j1, baseline): below 1, others took our core."""
        wall = self.ours_j1 + (self.baseline or 0.0)
        return (self.ours_j1_cpu + (self.baseline_cpu or 0.0)) / wall

    @property
    def rss_mb(self) -> float:
        return max(self.main_mb, self.workers_mb)


TICK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


def _sample(root: int, seen: dict[int, tuple[int, float]]) -> None:
    """Peak RSS (KiB) and CPU seconds of every descendant of ``root``, seen from outside.

    Workers forked by a fork server are grandchildren that the build never waits for, so
    RUSAGE_CHILDREN misses them; sampling /proc from this process sees them without
    disturbing the build.
    """
    todo, family = _children(root), []
    while todo:
        pid = todo.pop()
        family.append(pid)
        todo += _children(pid)
    for pid in family:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / TICK
            with open(f"/proc/{pid}/status") as handle:
                hwm = next((int(line.split()[1]) for line in handle if line.startswith("VmHWM:")), 0)
        except (OSError, IndexError, ValueError):
            continue
        old = seen.get(pid, (0, 0.0))
        seen[pid] = (max(old[0], hwm), max(old[1], cpu))


def _sample_until(root: int, seen: dict[int, tuple[int, float]], stop: threading.Event) -> None:
    while not stop.is_set():
        _sample(root, seen)
        stop.wait(0.1)


def run_build(content: Path, out: Path, work: Path, jobs: int | None) -> Run:
    """One ``python build.py build`` in a fresh process; fails loudly if the build fails."""
    report = work / "rusage.json"
    command = [PYTHON, "-c", BUILD_WRAPPER, str(report), "build.py", "build"]
    command += ["--content", str(content), "--out", str(out), "-q"]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(Tree.root)}
    seen: dict[int, tuple[int, float]] = {}
    stop = threading.Event()
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=Tree.root, env=env, stdout=output, stderr=output, text=True)
        sampler = threading.Thread(target=_sample_until, args=(process.pid, seen, stop))
        sampler.start()
        process.wait()
        seconds = time.perf_counter() - started  # when the command exits, as in a terminal
        stop.set()
        sampler.join()
        output.seek(0)
        text = output.read()
    if process.returncode != 0:
        fail(f"build failed (exit {process.returncode}):\n{text}")
    usage = json.loads(report.read_text())
    workers_kib = max([usage["workers_kib"]] + [rss for rss, _ in seen.values()])
    # Reaped children are in both figures; the samples also see grandchildren but miss each
    # process's last 0.1 s: the larger of the two.
    sampled = sum(cpu for _, cpu in seen.values())
    cpu = usage["own_cpu_s"] + max(usage["kids_cpu_s"], sampled)
    return Run(seconds, cpu, usage["main_kib"] / 1024, workers_kib / 1024)


def run_check(content: Path) -> None:
    done = Tree.run([PYTHON, "build.py", "check", "--fast", "--content", str(content)])  # the build renders
    if done.returncode != 0:
        fail(f"generated content does not pass 'build.py check' (exit {done.returncode}):\n{done.stderr}")


def prepare(content: Path, html_dir: Path) -> dict[str, object]:
    """In a fresh process: time the non-WeasyPrint part, and write each handout's HTML."""
    report = html_dir / "prep.json"
    done = Tree.run(
        [PYTHON, str(Path(__file__).resolve()), "_prep", str(content), str(html_dir), str(report)]
    )
    if done.returncode != 0:
        fail(f"preparing the baseline failed:\n{done.stderr}")
    result: dict[str, object] = json.loads(report.read_text())
    if not Path(str(result["package"])).is_relative_to(Tree.root):
        fail(f"measured the wrong package: {result['package']} is not inside {Tree.root}")
    return result


def prep_main(content_dir: Path, html_dir: Path, report: Path) -> int:
    """``bench.py _prep``: runs in its own process so that imports are cold, as in a build."""
    clock = time.perf_counter
    t0 = clock()
    from handouts import content, incremental
    from handouts.plan import all_outputs, make_job

    t1 = clock()
    data = content.load(content_dir)
    t2 = clock()
    keys = all_outputs(data)
    keys = [output for output in keys if not output.is_booklet]
    digests = incremental.keys_for(data, keys)
    t3 = clock()
    jobs = [make_job(key, data, digests[key]) for key in keys]
    t4 = clock()
    plan = []
    for job in jobs:
        name = job.key.replace("/", "--")
        source = html_dir / f"{name}.html"
        source.write_text(job.html, encoding="utf-8")
        plan.append(
            {"key": job.key, "html": str(source), "base_url": job.base_url, "stylesheets": job.stylesheets}
        )
    timings = {"import": t1 - t0, "load": t2 - t1, "keys_for": t3 - t2, "make_job": t4 - t3}
    import handouts

    report.write_text(json.dumps({"timings": timings, "plan": plan, "package": handouts.__file__}))
    return 0


def run_baseline(plan: list[dict[str, str]], pdf_dir: Path, work: Path) -> Run:
    """``weasyprint`` once per handout, one after another."""
    shutil.rmtree(pdf_dir, ignore_errors=True)
    pdf_dir.mkdir(parents=True)
    commands = [
        [
            WEASYPRINT,
            *(arg for name in entry["stylesheets"] for arg in ("-s", str(Tree.root / "styles" / name))),
            "-u",
            entry["base_url"],
            "--pdf-variant",
            "pdf/ua-1",
            entry["html"],
            str(pdf_dir / (Path(entry["html"]).stem + ".pdf")),
        ]
        for entry in plan
    ]
    plan_file, report = work / "baseline-plan.json", work / "baseline.json"
    plan_file.write_text(json.dumps(commands))
    done = Tree.run([PYTHON, "-c", BASELINE_WRAPPER, str(plan_file), str(report)], capture=False)
    if done.returncode != 0:
        fail("the baseline runner failed")
    result = json.loads(report.read_text())
    for target, code, stderr in result["failures"]:
        log(f"  baseline: weasyprint {target}: exit {code}: {stderr.strip()[:300]}")
    return Run(result["seconds"], result["cpu_s"], result["rss_kib"] / 1024)


def changed_keys(before: dict[str, str], out: Path) -> list[str]:
    """The outputs whose key changed in the manifest (other entries, such as a digest of the
    whole tree, are not outputs)."""
    after = json.loads((out / MANIFEST).read_text())
    outputs = [k for k in after if "/" in k or k == "booklet"]
    return sorted(k for k in outputs if before.get(k) != after[k])


def measure(n: int, work: Path, jobs: int | None, repeat: int, short_repeat: int, skip_baseline: bool) -> Row:
    content, out, out1 = work / "content", work / "out", work / "out-j1"
    content.mkdir(parents=True)
    counts = generate(content, n)
    row = Row(n, counts["articles"], counts["cards"])
    log(f"N={n}: {counts['articles']} articles + {counts['cards']} cards in {content}")
    run_check(content)

    html_dir = work / "html"
    html_dir.mkdir()
    prep = prepare(content, html_dir)
    timings: dict[str, float] = prep["timings"]  # type: ignore[assignment]
    row.prep_parts = timings
    row.prep = timings["load"] + timings["keys_for"] + timings["make_job"]
    log(
        f"N={n}: prep {row.prep:.2f} s (load {timings['load']:.2f}, keys_for {timings['keys_for']:.2f}, "
        f"make_job {timings['make_job']:.2f}; import handouts.build {timings['import']:.2f})"
    )

    label = f"jobs={jobs}" if jobs else f"jobs=all ({os.cpu_count()} cores)"
    runs = []
    for attempt in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        log(f"N={n}: full build, {label} [{attempt + 1}/{repeat}] ...")
        run = run_build(content, out, work, jobs)
        row.note(run)
        runs.append(run)
        log(
            f"N={n}:   {run.seconds:.2f} s (CPU {run.cpu:.1f} s), "
            f"RSS main {run.main_mb:.0f} MB, worker {run.workers_mb:.0f} MB"
        )
    row.ours, row.ours_cpu = fastest(runs).seconds, fastest(runs).cpu
    built = len(list(out.rglob("*.pdf")))
    if built != n:
        fail(f"N={n}: expected {n} PDFs, found {built} in {out}")
    row.pages = count_pages(out)
    log(f"N={n}: {row.pages} pages, {row.pages / row.ours:.1f} pages/s")

    runs = []
    for attempt in range(short_repeat):
        before = json.loads((out / MANIFEST).read_text())
        run = run_build(content, out, work, jobs)
        row.note(run)
        runs.append(run)
        rebuilt = changed_keys(before, out)
        if rebuilt:
            fail(f"N={n}: the no-op rebuild rebuilt {len(rebuilt)} outputs, e.g. {', '.join(rebuilt[:3])}")
        log(f"N={n}: no-op rebuild [{attempt + 1}/{short_repeat}]: {run.seconds:.3f} s")
    row.noop = fastest(runs).seconds

    article_files = sorted((content / "articles").glob("*.md"))
    edited = article_files[len(article_files) // 2]
    original = edited.read_text(encoding="utf-8")
    runs = []
    for attempt in range(short_repeat):
        before = json.loads((out / MANIFEST).read_text())
        with edited.open("a", encoding="utf-8") as handle:
            handle.write("\n" + EDIT_SENTENCE.format(n=attempt + 1) + "\n")
        run = run_build(content, out, work, jobs)
        row.note(run)
        runs.append(run)
        rebuilt = changed_keys(before, out)
        if rebuilt != [f"articles/{edited.stem}"]:
            fail(f"N={n}: the one-edit rebuild rebuilt {rebuilt}, expected articles/{edited.stem}")
        log(
            f"N={n}: one-edit rebuild of articles/{edited.stem} [{attempt + 1}/{short_repeat}]: "
            f"{run.seconds:.2f} s"
        )
    row.edit = fastest(runs).seconds
    edited.write_text(original, encoding="utf-8")

    runs = []
    for attempt in range(repeat):
        shutil.rmtree(out1, ignore_errors=True)
        log(f"N={n}: full build, --jobs 1 [{attempt + 1}/{repeat}] ...")
        run = run_build(content, out1, work, 1)
        row.note(run)
        runs.append(run)
        log(f"N={n}:   {run.seconds:.2f} s (CPU {run.cpu:.1f} s), RSS {run.main_mb:.0f} MB")
    row.ours_j1, row.ours_j1_cpu = fastest(runs).seconds, fastest(runs).cpu

    if not skip_baseline:
        plan: list[dict[str, str]] = prep["plan"]  # type: ignore[assignment]
        runs = []
        for attempt in range(repeat):
            log(f"N={n}: baseline, weasyprint x {len(plan)} sequentially [{attempt + 1}/{repeat}] ...")
            run = run_baseline(plan, work / "baseline", work)
            runs.append(run)
            row.baseline_rss_mb = max(row.baseline_rss_mb or 0.0, run.main_mb)
            log(
                f"N={n}:   {run.seconds:.2f} s ({run.seconds / len(plan):.2f} s per handout), "
                f"CPU {run.cpu:.1f} s, RSS {run.main_mb:.0f} MB"
            )
        row.baseline, row.baseline_cpu = fastest(runs).seconds, fastest(runs).cpu
        row.baseline_pages = count_pages(work / "baseline")
        if row.baseline_pages != row.pages:
            log(f"N={n}: WARNING: baseline made {row.baseline_pages} pages, ours {row.pages}")
    return row


# ---------------------------------------------------------------------------- report


def fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def table(rows: list[Row], jobs: int | None) -> str:
    columns = [
        ("N", lambda r: str(r.n)),
        ("art+card", lambda r: f"{r.articles}+{r.cards}"),
        ("pages", lambda r: str(r.pages)),
        ("base s", lambda r: fmt(r.baseline, ".1f")),
        ("ours s", lambda r: f"{r.ours:.1f}"),
        ("base/ours", lambda r: fmt(r.ratio, ".2f", "x")),
        ("-j1 s", lambda r: f"{r.ours_j1:.1f}"),
        ("-j1/ours", lambda r: f"{r.speedup:.2f}x"),
        ("pg/s base", lambda r: fmt(r.pages / r.baseline if r.baseline else None, ".2f")),
        ("pg/s ours", lambda r: f"{r.pages / r.ours:.2f}"),
        ("no-op s", lambda r: f"{r.noop:.2f}"),
        ("1-edit s", lambda r: f"{r.edit:.2f}"),
        ("RSS base", lambda r: fmt(r.baseline_rss_mb, ".0f")),
        ("RSS main", lambda r: f"{r.main_mb:.0f}"),
        ("RSS wkr", lambda r: f"{r.workers_mb:.0f}"),
        ("prep s", lambda r: f"{r.prep:.2f}"),
        ("prep %", lambda r: f"{r.prep_share:.1f}"),
        ("CPU base", lambda r: fmt(r.baseline_cpu, ".1f")),
        ("CPU ours", lambda r: f"{r.ours_cpu:.1f}"),
        ("CPU -j1", lambda r: f"{r.ours_j1_cpu:.1f}"),
    ]
    cells = [[name for name, _ in columns]] + [[get(r) for _, get in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    workers = f"--jobs {jobs}" if jobs else f"all {os.cpu_count()} cores"
    legend = (
        f"base = weasyprint CLI once per handout, sequential; ours = build.py build ({workers}); "
        "-j1 = build.py build --jobs 1.\n"
        "no-op = rebuild with nothing changed; 1-edit = rebuild after appending a sentence to one article.\n"
        "RSS = peak resident set size in MB of any one process: base = one weasyprint process, "
        "main = the build process, wkr = one render worker.\n"
        "prep = load + keys_for + make_job for every handout (all but WeasyPrint), "
        "prep % = share of the -j1 build.\n"
        "CPU = user + system seconds of all processes of that run (the wall-clock runs above)."
    )
    return "\n".join(lines) + "\n\n" + legend


def targets(row: Row) -> str:
    def line(name: str, value: float | None, target: float, shown: str, higher_is_better: bool) -> str:
        if value is None:
            verdict = "not measured"
        else:
            met = value >= target if higher_is_better else value < target
            verdict = "met" if met else "NOT MET"
        return f"  {name:<36} {shown:>10}   {verdict}"

    ratio = row.ratio
    lines = [
        f"Targets at N={row.n}:",
        line(
            "baseline / ours >= 3x",
            ratio,
            TARGETS["ratio"],
            fmt(ratio, ".2f", "x"),
            True,
        ),
        line(
            f"-j1 / ours >= 1.7x ({os.cpu_count()} cores)",
            row.speedup,
            TARGETS["speedup"],
            f"{row.speedup:.2f}x",
            True,
        ),
        line("no-op rebuild < 0.5 s", row.noop, TARGETS["noop"], f"{row.noop:.2f} s", False),
        line("one-edit rebuild < 2 s", row.edit, TARGETS["edit"], f"{row.edit:.2f} s", False),
        line("peak RSS of any process < 400 MB", row.rss_mb, TARGETS["rss"], f"{row.rss_mb:.0f} MB", False),
        line(
            "time outside WeasyPrint < 10 %",
            row.prep_share,
            TARGETS["prep"],
            f"{row.prep_share:.1f} %",
            False,
        ),
    ]
    share = row.core_share
    lines.append(
        f"The one-process runs (-j1, baseline) got {share:.2f} of a core (CPU / wall): "
        + (
            "the machine was quiet enough."
            if share >= 0.9
            else "other processes competed for the CPU: wall-clock figures, and the parallel "
            "speed-up above all, are pessimistic; the CPU columns are less affected."
        )
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------------- main


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench.py",
        description="Benchmark the handouts build against the weasyprint command (see the docstring).",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200], metavar="N")
    parser.add_argument("--jobs", type=int, default=None, metavar="N", help="workers (default: all cores)")
    parser.add_argument("--repeat", type=int, default=1, metavar="K", help="best of K for the full builds")
    parser.add_argument(
        "--short-repeat", type=int, default=5, metavar="K", help="best of K for the no-op and one-edit builds"
    )
    parser.add_argument("--skip-baseline", action="store_true", help="do not run the weasyprint baseline")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args(argv)
    if (
        any(n < 2 for n in options.sizes)
        or options.repeat < 1
        or options.short_repeat < 1
        or (options.jobs is not None and options.jobs < 1)
    ):
        parser.error("sizes must be at least 2 (one article to edit); --jobs and the repeats at least 1")
    return options


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["_prep"]:
        return prep_main(Path(args[1]), Path(args[2]), Path(args[3]))
    options = parse(args)
    if not options.skip_baseline and not Path(WEASYPRINT).exists():
        fail(f"{WEASYPRINT} not found (or pass --skip-baseline)")
    load_at_start = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="handouts-bench-"))
    state = git_state()
    Tree.snapshot(tmp / "project")
    log(f"working in {tmp}; python {PYTHON}; {os.cpu_count()} cores; measuring {state} (a copy)")
    rows = []
    try:
        for n in options.sizes:
            repeats = (options.repeat, options.short_repeat)
            rows.append(measure(n, tmp / f"n{n}", options.jobs, *repeats, options.skip_baseline))
    finally:
        if options.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    log("done")
    load = os.getloadavg()
    print(
        f"handouts build benchmark, {os.cpu_count()} cores, wall clock; "
        f"full builds best of {options.repeat}, rebuilds best of {options.short_repeat}; ",
        end="",
    )
    print(f"load average {load_at_start[0]:.1f} at start, {load[0]:.1f} at end (1 min); {state}")
    print()
    print(table(rows, options.jobs))
    print()
    print(targets(max(rows, key=lambda r: r.n)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
