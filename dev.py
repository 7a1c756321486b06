#!/usr/bin/env python3
"""Set up and run Detox Desk from a fresh clone, with nothing but Python 3.11+.

python3 dev.py start   create .venv, install, migrate SQLite, load demo data, serve :8000
python3 dev.py test    install what the tests need, then ruff, mypy and the whole suite
                       on SQLite, and again on PostgreSQL when a server answers
python3 dev.py mutate [MODULE ...] [--survivors|--resume|--verify] [--fresh] [--max-children N]
                       mutation testing of src/detoxdesk/clinical/ (all modules, or those named)
                       against tests/clinical, then a table of killed and surviving mutants
python3 dev.py mutate --knowledge N
                       change N knowledge values one at a time; each must fail tests/clinical
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
CHROMIUM = Path("/usr/bin/chromium")
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/detoxdesk")


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, env=env)


def install() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Detox Desk needs Python 3.11 or newer.")
    if not PY.exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not (BIN / "uv").exists():
        run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv==0.13.9")
    run(BIN / "uv", "pip", "install", "--quiet", "--python", PY, "-r", "requirements.lock")
    run(BIN / "uv", "pip", "install", "--quiet", "--python", PY, "--no-deps", "-e", ".")


def start() -> None:
    install()
    (ROOT / "var").mkdir(exist_ok=True)
    run(PY, "manage.py", "migrate", "--no-input", "-v", "0")
    run(PY, "manage.py", "load_demo", "--if-empty")
    print(
        "\nDetox Desk is running at http://127.0.0.1:8000/ — staff sign in at "
        "http://127.0.0.1:8000/accounts/sign-in/\n"
        "Demo accounts (nurse, prescriber, director, …) use the password printed above. "
        "Press Ctrl+C to stop.\n",
        flush=True,
    )
    os.execv(str(PY), [str(PY), "manage.py", "runserver", "127.0.0.1:8000"])


def can_apt() -> bool:
    return bool(shutil.which("apt-get")) and hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run("apt-get", "update", "-qq", env=env)
    run("apt-get", "install", "-y", "-qq", *packages, env=env)


def ensure_test_packages() -> None:
    """Chromium for the browser tests, faketime for the run with the clock moved ahead."""
    missing = [
        package
        for package, present in (("chromium", CHROMIUM.exists()), ("faketime", has_faketime()))
        if not present
    ]
    if not missing:
        return
    if can_apt():
        apt_install(*missing)
    elif os.environ.get("CI") == "true":
        sys.exit(f"{', '.join(missing)} missing and cannot be installed: CI needs them.")
    else:
        print(f"Not installed ({', '.join(missing)}): the tests that need them will be skipped.")


def has_faketime() -> bool:
    return shutil.which("faketime") is not None


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def test(extra: list[str]) -> None:
    install()
    ensure_test_packages()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy", "src")
    base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    print("\n== Test suite on SQLite ==", flush=True)
    run(PY, "-m", "pytest", *extra, env=base_env)
    if has_faketime():
        # No test may depend on the calendar: the same suite, with the system clock 400 days on.
        print("\n== Test suite on SQLite, system clock 400 days ahead ==", flush=True)
        run(
            "faketime", "-f", "+400d", PY, "-m", "pytest", "-m", "not browser", *extra, env=base_env
        )
    elif os.environ.get("CI") == "true":
        sys.exit("faketime is missing: CI must run the suite with the clock moved ahead.")
    if postgres_answers():
        print("\n== Test suite on PostgreSQL ==", flush=True)
        run(PY, "-m", "pytest", *extra, env={**base_env, "DATABASE_URL": PG_URL})
    elif os.environ.get("CI") == "true":
        sys.exit("PostgreSQL does not answer on 127.0.0.1:5432: the suite must run on it in CI.")
    else:
        print("PostgreSQL does not answer on 127.0.0.1:5432: skipped the PostgreSQL run.")


CLINICAL = ROOT / "src" / "detoxdesk" / "clinical"
MUTANTS = ROOT / "mutants"
# mutmut's exit codes, as its own "results" command reads them.
KILLED_CODES = {1, 3}
TIMEOUT_CODES = {24, -24, 36, 152, 255}
NO_TESTS_CODES = {5, 33}  # no test in tests/clinical reaches the mutated function
MUTATION_ENV = {"DETOXDESK_MUTATION": "1", "PYTHONHASHSEED": "0"}
MAX_CHILDREN = 2  # the machine is shared: never more than two test processes at once


def clinical_modules() -> list[str]:
    return sorted(path.stem for path in CLINICAL.glob("*.py") if path.stem != "__init__")


def mutation_results() -> dict[str, dict[str, int | None]]:
    """{module: {mutant name: exit code}} from the last ``mutmut run`` (its ``.meta`` files)."""
    results: dict[str, dict[str, int | None]] = {}
    for meta in sorted((MUTANTS / "src" / "detoxdesk" / "clinical").glob("*.py.meta")):
        module = meta.name.removesuffix(".py.meta")
        results[module] = json.loads(meta.read_text())["exit_code_by_key"]
    return results


def mutation_table(modules: list[str]) -> list[str]:
    """The summary: per module, mutants generated, killed, survived, reached by no test, timed out,
    not run, and the score. A mutant no test reaches counts as not killed."""
    results = mutation_results()
    header = f"{'module':<20}{'generated':>10}{'killed':>8}{'survived':>10}{'no tests':>10}"
    lines = [header + f"{'timeout':>9}{'not run':>9}{'score':>8}", "-" * 84]
    totals = [0, 0, 0, 0, 0, 0]
    for module in modules:
        codes = list(results.get(module, {}).values())
        killed = sum(code in KILLED_CODES for code in codes)
        survived = sum(code == 0 for code in codes)
        untested = sum(code in NO_TESTS_CODES for code in codes)
        timeout = sum(code in TIMEOUT_CODES for code in codes)
        not_run = len(codes) - killed - survived - untested - timeout
        row = [len(codes), killed, survived, untested, timeout, not_run]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        lines.append(f"{module:<20}" + format_counts(row))
    lines += ["-" * 84, f"{'total':<20}" + format_counts(totals)]
    lines.append(
        "score = (killed + timed out) / (killed + survived + no tests + timed out); "
        "not run = no verdict yet"
    )
    return lines


def format_counts(row: list[int]) -> str:
    generated, killed, survived, untested, timeout, not_run = row
    checked = killed + survived + untested + timeout
    score = f"{100 * (killed + timeout) / checked:.1f}%" if checked else "-"
    counts = f"{generated:>10}{killed:>8}{survived:>10}{untested:>10}{timeout:>9}{not_run:>9}"
    return counts + f"{score:>8}"


def tests_fingerprint() -> str:
    """A hash of tests/clinical, the knowledge files and the mutmut settings."""
    import hashlib

    digest = hashlib.sha256()
    files = [*sorted((ROOT / "tests").rglob("*.py")), *sorted((ROOT / "tests").rglob("*.json"))]
    files += [*sorted((CLINICAL / "knowledge").glob("*.toml")), ROOT / "pyproject.toml"]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def unfinished(modules: list[str]) -> list[str]:
    """Mutants of ``modules`` neither killed nor timed out in the last run (or never run)."""
    results = mutation_results()
    return sorted(
        name
        for module in modules
        for name, code in results.get(module, {}).items()
        if code not in KILLED_CODES | TIMEOUT_CODES
    )


def survivors(modules: list[str]) -> list[str]:
    """Mutants of ``modules`` that no test killed: survived, or reached by no test."""
    results = mutation_results()
    return sorted(
        name
        for module in modules
        for name, code in results.get(module, {}).items()
        if code == 0 or code in NO_TESTS_CODES
    )


def mutate(args: list[str]) -> None:
    """Mutation testing of the clinical core with mutmut; see CONTRIBUTING.md."""
    install()
    if "--knowledge" in args:
        at = args.index("--knowledge")
        count = int(args[at + 1]) if at + 1 < len(args) else 30
        sys.exit(mutate_knowledge(count))
    if "--verify" in args:
        sys.exit(verify_survivors([arg for arg in args if not arg.startswith("--")]))
    children = MAX_CHILDREN
    if "--max-children" in args:
        at = args.index("--max-children")
        children = min(int(args[at + 1]), MAX_CHILDREN)
        del args[at : at + 2]
    again = "--survivors" in args
    resume = "--resume" in args
    modules = [arg for arg in args if not arg.startswith("--")] or clinical_modules()
    unknown = sorted(set(modules) - set(clinical_modules()))
    if unknown:
        sys.exit(
            f"No clinical module {', '.join(unknown)}. Modules: {', '.join(clinical_modules())}"
        )
    if again or resume:
        # Run again only what survived last time (after adding tests), keeping every other verdict;
        # --resume also runs what was never run or reached no test (an interrupted run).
        names = survivors(modules) if again else unfinished(modules)
        if not names:
            sys.exit("Nothing left to run for those modules.")
    else:
        # Named patterns make mutmut run every mutant of those modules again, whatever it
        # recorded before; the verdicts of other modules are kept.
        names = [f"detoxdesk.clinical.{module}.*" for module in modules]
    if "--fresh" in args:
        shutil.rmtree(MUTANTS, ignore_errors=True)
    # Which tests reach which function is measured again whenever tests/clinical changed, so new
    # tests count; otherwise mutmut reuses the measure of the last run.
    stamp = tests_fingerprint()
    stamp_file = MUTANTS / "tests-fingerprint"
    if not stamp_file.exists() or stamp_file.read_text() != stamp:
        (MUTANTS / "mutmut-stats.json").unlink(missing_ok=True)
    env = {**os.environ, **MUTATION_ENV}
    command = ["nice", "-n", "15", str(BIN / "mutmut"), "run", "--max-children", str(children)]
    print("+", " ".join(command), f"[{len(names)} mutant names or patterns]", flush=True)
    status = subprocess.run([*command, *names], cwd=ROOT, env=env, check=False).returncode
    if (MUTANTS / "mutmut-stats.json").exists():
        stamp_file.write_text(stamp)
    print("\n" + "\n".join(mutation_table(modules)))
    left = survivors(modules)
    (MUTANTS / "survivors.txt").write_text(survivor_diffs(left))
    print(f"\n{len(left)} survivors, each with its change, in mutants/survivors.txt")
    sys.exit(status)


def survivor_diffs(names: list[str]) -> str:
    """Each mutant in ``names`` with the lines it changes (read from mutmut's mutated modules)."""
    import ast
    import difflib

    sources: dict[str, dict[str, str]] = {}
    out = []
    for name in names:
        module = name.split(".")[2]
        if module not in sources:
            path = MUTANTS / "src" / "detoxdesk" / "clinical" / f"{module}.py"
            text = path.read_text()
            lines = text.splitlines()
            sources[module] = {
                node.name: "\n".join(lines[node.lineno - 1 : node.end_lineno])
                for node in ast.walk(ast.parse(text))
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            }
        function = name.split(".", 3)[3]
        original = sources[module].get(function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig", "")
        mutant = sources[module].get(function, "")
        changed = [
            line
            for line in difflib.unified_diff(
                original.splitlines()[1:], mutant.splitlines()[1:], lineterm="", n=0
            )
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        out.append(name + "\n" + "".join(f"    {line}\n" for line in changed))
    return "".join(out)


def verify_survivors(modules: list[str]) -> int:
    """Run the whole of tests/clinical (as it is now) against each recorded survivor of
    ``modules``, two at a time, without measuring test coverage again; record the kills.

    This is what ``mutmut run`` does for one mutant (the mutated module chosen by
    MUTANT_UNDER_TEST), minus its selection of tests: every test runs, the nearest first.
    """
    modules = modules or clinical_modules()
    names = survivors(modules)
    shutil.copytree(ROOT / "tests", MUTANTS / "tests", dirs_exist_ok=True)
    env = {**os.environ, **MUTATION_ENV, "PYTHONPATH": str(MUTANTS / "src")}
    pending, running, killed = list(names), [], []
    while pending or running:
        while pending and len(running) < MAX_CHILDREN:
            name = pending.pop(0)
            module = name.split(".")[2]
            first = [str(path.relative_to(ROOT)) for path in nearest_tests(module)]
            command = ["nice", "-n", "15", str(PY), "-m", "pytest", "--rootdir=.", *first]
            command += ["tests/clinical", "-x", "-q", "-p", "no:cacheprovider"]
            run_env = {**env, "MUTANT_UNDER_TEST": name}
            process = subprocess.Popen(
                command,
                cwd=MUTANTS,
                env=run_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            running.append((name, process))
        name, process = running.pop(0)
        code = process.wait()
        print(
            ("killed  " if code == 1 else "survived" if code == 0 else f"exit {code}") + " " + name
        )
        if code == 1:
            # Recorded at once, so an interrupted check keeps what it found.
            killed.append(name)
            meta = MUTANTS / "src" / "detoxdesk" / "clinical" / f"{name.split('.')[2]}.py.meta"
            data = json.loads(meta.read_text())
            data["exit_code_by_key"][name] = 1
            meta.write_text(json.dumps(data, indent=4))
    print(f"\n{len(killed)} of {len(names)} survivors killed by the tests as they are now.")
    print("\n" + "\n".join(mutation_table(modules)))
    (MUTANTS / "survivors.txt").write_text(survivor_diffs(survivors(clinical_modules())))
    return 0


def knowledge_values() -> list[tuple[str, list[str | int], int | float]]:
    """Every number in the knowledge files: (file stem, path to it, value)."""
    import tomllib

    found: list[tuple[str, list[str | int], int | float]] = []

    def walk(stem: str, path: list[str | int], value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(stem, [*path, key], item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(stem, [*path, index], item)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found.append((stem, path, value))

    for toml in sorted((CLINICAL / "knowledge").glob("*.toml")):
        walk(toml.stem, [], tomllib.loads(toml.read_text()))
    return found


# The test files that read each knowledge file most directly (the rest of tests/clinical follows).
NEAREST_TESTS = {
    "medications": ["policy_golden", "dosing", "calc_dose_check", "dose_check_vitals", "induction"],
    "scales": ["scales"],
    "tapers": ["taper"],
    "naltrexone": ["aftercare"],
}


def nearest_tests(stem: str) -> list[Path]:
    tests = ROOT / "tests" / "clinical"
    names = ["boundaries", "golden", *NEAREST_TESTS.get(stem, [stem])]
    found = [path for name in names for path in sorted(tests.glob(f"test_{name}*.py"))]
    return list(dict.fromkeys(found))


def perturbed(value: int | float) -> int | float:
    """A changed value: an integer one more, a decimal a tenth more."""
    if isinstance(value, int):
        return value + 1
    return round(value * 1.1, 6) if value else 0.1


def mutate_knowledge(count: int) -> int:
    """Change ``count`` knowledge numbers, one at a time, and run tests/clinical against each.

    The sample is fixed (seeded), so runs are comparable. A change is applied to the parsed file as
    ``knowledge.read_toml`` returns it (tests/clinical/conftest.py reads DETOXDESK_PERTURB), so no
    file on disk is ever modified. The tests nearest the file run first; only if they all pass
    does the whole of tests/clinical run. Returns 1 if any change went uncaught.
    """
    from concurrent.futures import ThreadPoolExecutor

    values = knowledge_values()
    sample = random.Random(18).sample(values, min(count, len(values)))  # noqa: S311 - a sample
    print(f"{len(values)} numbers in the knowledge files; changing {len(sample)} of them.")

    def run_tests(change: dict[str, object], tests: list[str]) -> tuple[int, str]:
        env = {**os.environ, **MUTATION_ENV, "DETOXDESK_PERTURB": json.dumps(change)}
        command = ["nice", "-n", "15", str(PY), "-m", "pytest", *tests, "-x", "-q"]
        command += ["-p", "no:cacheprovider", "--hypothesis-seed=0"]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        return done.returncode, done.stdout + done.stderr

    def check(item: tuple[str, list[str | int], int | float]) -> tuple[str, str]:
        stem, path, value = item
        change = {"file": stem, "path": path, "value": perturbed(value)}
        where = f"{stem}.toml " + ".".join(str(part) for part in path)
        status, output = run_tests(change, [str(p.relative_to(ROOT)) for p in nearest_tests(stem)])
        if status == 0:
            status, output = run_tests(change, ["tests/clinical"])
        failed = [
            line.split(" ", 1)[1] for line in output.splitlines() if line.startswith("FAILED")
        ]
        if status == 1:
            return (
                "caught",
                f"caught  {where}: {value} -> {perturbed(value)}  ({(failed or [''])[0][:70]})",
            )
        if status == 0:
            return "missed", f"MISSED  {where}: {value} -> {perturbed(value)}"
        return "missed", f"ERROR   {where}: pytest exited {status}\n{output[-2000:]}"

    caught = 0
    with ThreadPoolExecutor(max_workers=MAX_CHILDREN) as pool:
        for verdict, line in pool.map(check, sample):
            caught += verdict == "caught"
            print(line, flush=True)
    print(f"\nKnowledge changes caught: {caught} of {len(sample)}; missed: {len(sample) - caught}")
    return 0 if caught == len(sample) else 1


def main() -> None:
    command, *rest = sys.argv[1:] or ["help"]
    if command == "start":
        start()
    elif command == "test":
        test(rest)
    elif command == "install":
        install()
    elif command == "mutate":
        mutate(rest)
    else:
        print(__doc__)
        sys.exit(0 if command == "help" else 2)


if __name__ == "__main__":
    main()
