"""What the Pulumi program process imports: it runs for every preview, update and
refresh, registers resources and never sends a request, so it must not pay for the
HTTP stack (httpx and, through its command-line extras, rich and pygments: about 0.1 s
of CPU per process, docs/ci.md)."""

from __future__ import annotations

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
