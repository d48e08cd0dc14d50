"""What the Pulumi program and provider processes import. The program runs for every
preview, update and refresh, registers resources and never sends a request, so it must
not pay for the HTTP stack (httpx and, through its command-line extras, rich and
pygments: about 0.1 s of CPU per process, docs/ci.md). The provider sends requests, and
imports httpx without those extras (decisions §38)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_program_imports_no_http_client() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, provider.program\n"
            "print(' '.join(m for m in ('httpx', 'rich', 'pygments') if m in sys.modules))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "", done.stdout


def test_a_client_imports_httpx_when_it_is_made() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from provider.mitxonline.rest import MitxOnlineRest\n"
            "before = 'httpx' in sys.modules\n"
            "MitxOnlineRest('http://127.0.0.1:9', 'key').close()\n"
            "print(before, 'httpx' in sys.modules)",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["False", "True"], done.stdout


# The stack config the engine hands to `configure()` (tests/unit/test_platforms.py's, inlined:
# that module imports httpx, which would hide what this file measures).
STACK_CONFIG = {
    "courseware:edx": json.dumps({"lmsUrl": "http://lms.test", "studioUrl": "http://studio.test", "clientId": "cid"}),
    "courseware:edxClientSecret": "edx-secret",
    "courseware:mitxonline": json.dumps({"url": "http://mitxonline.test", "manageCommand": ["manage.py"]}),
    "courseware:mitxonlineApiKey": "api-key",
}


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_a_configured_provider_imports_httpx_without_its_command_line() -> None:
    """`configure` (the first call a provider process serves) leaves httpx's command-line
    client out: the provider's first request imports httpx, which works, and neither rich,
    pygments nor click comes with it (decisions §38)."""
    out = _run(
        "import sys\n"
        "from pulumi.dynamic import Config, ConfigureRequest\n"
        "from provider.base import ProviderBase\n"
        f"config = {STACK_CONFIG!r}\n"
        "ProviderBase().configure(ConfigureRequest(Config(config, 'courseware')))\n"
        "before = 'rich' in sys.modules\n"
        "import httpx\n"
        "client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(204)))\n"
        "print(before, client.get('http://mitxonline.invalid/').status_code,"
        " [m for m in ('rich', 'pygments', 'click') if m in sys.modules])"
    )
    assert out == "False 204 []", out


def test_httpx_keeps_its_command_line_when_the_provider_does_not_ask() -> None:
    """The control: a plain `import httpx` here brings rich with it, which is what the
    measure saves."""
    assert _run("import sys, httpx\nprint('rich' in sys.modules)") == "True"


def test_leaving_out_the_command_line_after_httpx_is_imported_changes_nothing() -> None:
    out = _run(
        "import sys, httpx\n"
        "from provider.lean_httpx import leave_out_httpx_command_line\n"
        "print(leave_out_httpx_command_line(), sys.modules['httpx._main'] is not None)"
    )
    assert out == "False True", out
