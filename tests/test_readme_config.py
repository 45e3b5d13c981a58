"""The README's configuration table is what an operator configures from: it must name every
environment variable the code reads, and nothing the code no longer reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Where the running site and its tooling read the environment. Tests and benchmarks have their
# own knobs, described where they are used.
SOURCES = [
    *sorted((ROOT / "wellbeing").rglob("*.py")),
    ROOT / "manage.py",
    ROOT / "gunicorn.conf.py",
    ROOT / "docker" / "healthcheck.py",
]
READS = [
    re.compile(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']"),  # django-environ
    re.compile(r"\bos\.environ(?:\.get|\.setdefault|\.pop)?\s*[\(\[]\s*[\"']([A-Z][A-Z0-9_]*)[\"']"),
    re.compile(r"\bos\.getenv\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']"),
]


def variables_read_by_the_code() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in SOURCES:
        if "tests" in path.relative_to(ROOT).parts:
            continue
        text = path.read_text()
        for pattern in READS:
            for name in pattern.findall(text):
                found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def variables_in_the_readme_table() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, flags=re.MULTILINE))


def test_the_scan_finds_the_variables_it_should():
    # Guards the test itself: a broken pattern would otherwise find nothing and pass.
    found = variables_read_by_the_code()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "GUNICORN_WORKERS", "DJANGO_SETTINGS_MODULE"} <= set(found)


def test_every_environment_variable_read_by_the_code_is_in_the_readme_table():
    documented = variables_in_the_readme_table()
    missing = {name: sorted(where) for name, where in variables_read_by_the_code().items() if name not in documented}

    assert missing == {}, "add these to the README's configuration table"


def test_the_readme_table_lists_no_variable_the_code_no_longer_reads():
    stale = variables_in_the_readme_table() - set(variables_read_by_the_code())

    assert stale == set(), "remove these from the README's configuration table, or read them"
