"""Every error the provider raises, in one tree.

    ProviderError                 base of everything below; never raised itself
    ├── DeclarationError          a declaration is invalid; raised before any platform call
    │                             (carries every problem: a list of FieldProblem)
    ├── ConfigurationError        stack config is missing or wrong (URL, client id, secret,
    │                             manage command); says which key and how to set it
    ├── PlatformError             a platform answered, or failed to answer, a call
    │   ├── HttpError             an HTTP call failed; carries method, URL, status, body
    │   │   ├── Unauthorized      401/403: credentials rejected or not staff
    │   │   ├── NotFound          404
    │   │   ├── Conflict          400/409 for an object that already exists (e.g. a rerun key)
    │   │   ├── RateLimited       429 after the retries ran out; carries Retry-After
    │   │   └── ServerError       5xx after the retries ran out
    │   ├── Unreachable           connection refused, reset or timed out after the retries
    │   └── CommandFailed         a management command exited non-zero; carries argv,
    │       │                     exit code, stdout and stderr
    │       ├── CommandTimedOut   the command ran past its timeout and was killed
    │       └── CommandRefused    the command printed one of its known refusal messages,
    │           │                 whatever its exit code (several refuse and exit 0, §3.12);
    │           │                 carries `reason`, the refusal in plain words
    │           └── ContractLocked  MITx Online refuses to save a contract that is inactive
    │                             or outside its dates (spec/mitxonline.md §12.2, §12.5)
    └── Drifted                   the live object differs from the declaration and adoption
                                  was not asked for; carries the differing fields

Every PlatformError keeps the platform's own answer so the message shown by
`pulumi up` names the step and what the platform said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class ProviderError(Exception):
    """Base class of every error raised by this project."""


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: where it is, what is wrong, and what to write instead."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DeclarationError(ProviderError):
    """One or more declared values are invalid. Raised before any platform call."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} invalid declaration(s):\n{lines}")


class ConfigurationError(ProviderError):
    """Stack configuration is missing or invalid."""


class PlatformError(ProviderError):
    """A call to edX or MITx Online failed."""


class HttpError(PlatformError):
    """An HTTP call failed with a status the client does not retry, or ran out of retries."""

    def __init__(self, method: str, url: str, status: int, body: str, step: str = "") -> None:
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.step = step
        where = f"{step}: " if step else ""
        super().__init__(f"{where}{method} {url} answered {status}: {body[:500]}")


class Unauthorized(HttpError):
    """401 or 403: the credentials were rejected, or the user is not staff."""


class NotFound(HttpError):
    """404: the object does not exist."""


class Conflict(HttpError):
    """The platform refused because the object already exists."""


class RateLimited(HttpError):
    """429 and the retries ran out."""

    def __init__(
        self, method: str, url: str, status: int, body: str, step: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(method, url, status, body, step)
        self.retry_after = retry_after


class ServerError(HttpError):
    """5xx and the retries ran out."""


class Unreachable(PlatformError):
    """The platform could not be reached (connection refused, reset, timed out)."""

    def __init__(self, method: str, url: str, reason: str, step: str = "") -> None:
        self.method = method
        self.url = url
        self.reason = reason
        self.step = step
        where = f"{step}: " if step else ""
        super().__init__(f"{where}{method} {url} could not be reached: {reason}")


class CommandFailed(PlatformError):
    """A management command exited non-zero."""

    def __init__(self, argv: Sequence[str], exit_code: int, stdout: str, stderr: str, step: str = "") -> None:
        self.argv = list(argv)
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.step = step
        where = f"{step}: " if step else ""
        tail = (_without_log_records(stderr) or stdout.strip())[-800:]
        super().__init__(f"{where}command {' '.join(self.argv)!r} exited {exit_code}: {tail}")


def _without_log_records(stderr: str) -> str:
    """What a command said on stderr less MITx Online's structlog records (one JSON
    object a line, `{"event": …}`): they are noise beside the error, and the one
    written for each code made names the code (issue #18, point 8)."""
    return "\n".join(line for line in stderr.strip().splitlines() if not line.startswith('{"event": ')).strip()


class CommandTimedOut(CommandFailed):
    """A management command ran past its timeout and was killed."""


class CommandRefused(CommandFailed):
    """A management command printed a known refusal; `reason` says what it means."""

    def __init__(
        self, argv: Sequence[str], exit_code: int, stdout: str, stderr: str, reason: str, step: str = ""
    ) -> None:
        super().__init__(argv, exit_code, stdout, stderr, step)
        self.reason = reason
        self.args = (f"{reason}\n{self.args[0]}",)


class ContractLocked(CommandRefused):
    """MITx Online cannot save the contract: it is inactive, or outside its dates."""


class Drifted(ProviderError):
    """The live object differs from the declaration, and the declaration does not adopt it."""

    def __init__(self, what: str, differences: Mapping[str, tuple[object, object]]) -> None:
        self.what = what
        self.differences = dict(differences)
        lines = "\n".join(
            f"  - {field}: declared {declared!r}, live {live!r}"
            for field, (declared, live) in sorted(self.differences.items())
        )
        super().__init__(
            f"{what} already exists and differs from the declaration:\n{lines}\n"
            "Set `adopt: true` on it to take it over as it is and then apply the declared values, "
            "or change the declaration to match."
        )
