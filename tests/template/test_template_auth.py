"""`dd-toolkit new --auth-scheme` / `--auth basic`: the generated collector sends the scheme on the
wire, passes its own tests offline with zero edits, and its README's authentication section
follows AUTH_HEADERS in metrics.py (`docs --check` fails when it drifts)."""

from __future__ import annotations

import base64
import contextlib
import io
import re
import shutil
import subprocess

import pytest
from loopback import Loopback, Reply
from project_helpers import PYTHON, cli, env_for, make_project, snapshot

from toolkit.cli import main

# name -> (flags, the header the API gets, its value with the example secrets below)
SCHEMES = {
    "pagerduty": (["--auth-scheme", "Token token={token}"], "Authorization", "Token token=wire-token-value"),
    "keyed": (["--auth", "api_key", "--auth-scheme", "X-API-Key: {token}"], "X-API-Key", "wire-api-key-value"),
    "ddstyle": (["--auth", "oauth", "--auth-scheme", "DD-API-KEY: {token}"], "DD-API-KEY", "wire-access-token-value"),
    "basicauth": (["--auth", "basic"], "Authorization",
                  "Basic " + base64.b64encode(b"wire-username-value:wire-password-value").decode()),
}
README_LINES = {
    "pagerduty": "- `Authorization: Token token=<pagerduty/token>`",
    "keyed": "- `X-API-Key: <keyed/api-key>`",
    "ddstyle": "- `DD-API-KEY: <ddstyle/access-token>`\n- `Client-Id: <ddstyle/client-id>`",
    "basicauth": "- `Authorization: Basic <basicauth/username>:<basicauth/password>` (HTTP basic auth",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("auth") / "project")
    outputs = {}
    for name, (flags, _, _) in SCHEMES.items():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["new", name, *flags, "--root", str(root), "--defaults"]) == 0
        outputs[name] = out.getvalue()
    return root, outputs


def test_generated_tests_pass_offline_with_zero_edits(generated):
    root, _ = generated
    done = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/collectors"],
        cwd=root, env=env_for(root), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert int(re.search(r"(\d+) passed", done.stdout).group(1)) >= 7 * len(SCHEMES)
    offline = cli(root, "run", *SCHEMES, "--offline")
    assert offline.returncode == 0, offline.stdout + offline.stderr


@pytest.mark.parametrize("name", list(SCHEMES))
def test_requests_carry_the_scheme_on_the_wire(generated, name):
    """A live run against a loopback API: the header the scheme names, with the secret in it."""
    root, _ = generated
    _, header, value = SCHEMES[name]
    env = env_for(root)
    env.update({
        f"{name.upper()}_TOKEN": "wire-token-value", f"{name.upper()}_API_KEY": "wire-api-key-value",
        f"{name.upper()}_ACCESS_TOKEN": "wire-access-token-value", f"{name.upper()}_CLIENT_ID": "wire-client-id",
        f"{name.upper()}_USERNAME": "wire-username-value", f"{name.upper()}_PASSWORD": "wire-password-value",
    })
    with Loopback(default=Reply(200, {"items": []})) as api:
        env[f"{name.upper()}_BASE_URL"] = env[f"{name.upper()}_API_URL"] = api.url
        done = cli(root, "run", name, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert api.requests, done.stdout
    for request in api.requests:
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert headers[header.lower()] == value
        if header.lower() != "authorization":
            assert "authorization" not in headers  # the custom header replaces Bearer, not adds to it
    for secret in ("wire-token-value", "wire-api-key-value", "wire-access-token-value", "wire-password-value", value):
        assert secret not in done.stdout + done.stderr


def test_readme_describes_the_scheme_and_docs_check_passes(generated):
    root, outputs = generated
    for name, line in README_LINES.items():
        assert line in (root / "collectors" / name / "README.md").read_text(), name
    assert "sent as `Authorization: Token token={token}`" in outputs["pagerduty"]
    done = cli(root, "docs", "--all", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("up to date") == len(SCHEMES)


def test_answers_record_the_scheme(generated):
    from toolkit.project import read_answers

    root, _ = generated
    assert read_answers(root / "collectors" / "pagerduty" / ".copier-answers.yml")["auth_scheme"] == "Token token={token}"
    assert "auth_scheme" not in read_answers(root / "collectors" / "basicauth" / ".copier-answers.yml")


def test_docs_check_fails_when_the_scheme_changes_in_metrics_py(generated, tmp_path):
    """The author switches from Bearer to a custom header in metrics.py: the README's
    authentication section is now wrong, `docs --check` and `doctor` say so, `docs` fixes it."""
    root, _ = generated
    copy = tmp_path / "project"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git", "__pycache__"))
    metrics = copy / "collectors" / "pagerduty" / "metrics.py"
    readme = copy / "collectors" / "pagerduty" / "README.md"
    text = metrics.read_text()
    assert '"Authorization: Token token={pagerduty/token}",' in text
    metrics.write_text(text.replace('"Authorization: Token token={pagerduty/token}",', '"X-PagerDuty-Key: {pagerduty/token}",'))
    before = readme.read_text()

    done = cli(copy, "docs", "pagerduty", "--check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "authentication section (AUTH_HEADERS) is out of date" in done.stdout and "dd-toolkit docs pagerduty" in done.stdout
    assert readme.read_text() == before  # --check changes nothing
    doctor = cli(copy, "doctor", "pagerduty")
    assert doctor.returncode == 1 and "authentication section is out of date" in doctor.stdout, doctor.stdout

    done = cli(copy, "docs", "pagerduty")
    assert done.returncode == 0, done.stdout + done.stderr
    after = readme.read_text()
    assert "- `X-PagerDuty-Key: <pagerduty/token>`" in after and "Token token=" not in after
    assert after.split("<!-- auth:start -->")[0] == before.split("<!-- auth:start -->")[0]
    assert after.split("<!-- auth:end -->")[1] == before.split("<!-- auth:end -->")[1]
    assert cli(copy, "docs", "pagerduty", "--check").returncode == 0
    assert cli(copy, "doctor", "pagerduty").returncode == 0


def test_a_malformed_declaration_is_one_line_naming_the_fix(generated, tmp_path):
    root, _ = generated
    copy = tmp_path / "project"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git", "__pycache__"))
    metrics = copy / "collectors" / "keyed" / "metrics.py"
    metrics.write_text(metrics.read_text().replace('"X-API-Key: {keyed/api-key}",', '"X-API-Key keyed/api-key",'))
    done = cli(copy, "docs", "keyed", "--check")
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    (line,) = done.stdout.strip().splitlines()
    assert "AUTH_HEADERS" in line and "is not one line `Name: value`" in line


@pytest.mark.parametrize(
    "flags, fragment",
    [
        (["--auth-scheme", "Token token"], "needs {token} exactly once"),
        (["--auth-scheme", "X-Key: {token} {token}"], "needs {token} exactly once"),
        (["--auth-scheme", 'Token token="{token}"'], "quotes or backslashes"),
        (["--auth-scheme", "Basic {token}"], "use --auth basic"),
        (["--auth", "aws", "--auth-scheme", "bearer"], "--auth-scheme applies to --auth token, api_key, oauth"),
        (["--auth", "basic", "--auth-scheme", "X-Key: {token}"], "--auth-scheme applies to"),
    ],
)
def test_bad_schemes_are_refused(tmp_path, capsys, flags, fragment):
    project = make_project(tmp_path / "project", with_git=False)
    before = snapshot(project)
    assert main(["new", "acme", *flags, "--root", str(project), "--defaults"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err, err
    assert snapshot(project) == before
