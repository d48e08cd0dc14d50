"""Every error the provider raises, in one tree.

    ProviderError                 base of everything below; never raised itself
    ├── DeclarationError          a declaration is invalid; raised before any platform call
    │                             (carries every problem: a list of FieldProblem)
    ├── InvalidCourseKey          a string that is not a course key (also a ValueError)
    ├── ConfigurationError        stack config is missing or wrong (URL, client id, secret,
    │   │                         manage command); says which key and how to set it
    │   ├── InvalidSettings       the `courseware:` platform settings are wrong (carries every
    │   │                         problem, each naming its key: a list of FieldProblem)
    │   └── UnsafeCommand         an argument vector a command could read differently from
    │                             its author (a newline or control character, a huge value)
    ├── Refused                   the declaration is valid, but what exists live makes it
    │                             impossible (an inactive contract, a taken slug, an org key
    │                             differing only in case); raised after reading, before writing
    ├── PlatformError             a platform answered, or failed to answer, a call
    │   ├── HttpError             an HTTP call failed; carries method, URL, status, body
    │   │   │                     and, when known, the stack config key to fix
    │   │   ├── Unauthorized      401/403: credentials rejected or not staff
    │   │   ├── NotFound          404
    │   │   ├── Conflict          409, or 400 for an object that already exists (a rerun key)
    │   │   ├── RateLimited       429 after the retries ran out; carries Retry-After
    │   │   └── ServerError       5xx after the retries ran out
    │   ├── Unreachable           connection refused, reset or timed out after the retries
    │   ├── Vanished              an object the provider had just seen or made is gone
    │   ├── UnreadableOutput      a command finished but its output cannot be parsed; never
    │   │                         retried (the command ran: repeating it is not a read)
    │   └── CommandFailed         a management command exited non-zero; carries argv,
    │       │                     exit code, stdout and stderr
    │       ├── CommandTimedOut   the command ran past its timeout and was killed
    │       └── CommandRefused    the command printed one of its known refusal messages,
    │           │                 whatever its exit code (several refuse and exit 0, docs/platforms/mitxonline.md §3);
    │           │                 carries `reason`, the refusal in plain words
    │           └── ContractLocked  MITx Online refuses to save a contract that is inactive
    │                             or outside its dates (docs/platforms/mitxonline.md §4)
    ├── Drifted                   the live object differs from the declaration and adoption
    │                             was not asked for; carries the differing fields
    ├── SessionBroken             the MITx Online command session ended or answered out of turn
    ├── SessionHung               the command session did not answer in time
    ├── AdoptError                `courseware adopt`: the selection names nothing that exists,
    │                             or the stack file cannot be read or written
    ├── UnknownContract           `courseware codes`: no declared contract answers to the
    │                             name (also a LookupError)
    ├── NoCodes                   `courseware codes`: the contract is declared but has no
    │                             enrollment codes to write, and says why (also a LookupError)
    ├── StackInUse                a stack's lock belongs to a run that may still be alive
    └── DestroyRefused            `pulumi destroy` of a stack that still protects entries;
                                  raised before anything is deleted (provider/destroy_guard.py)
                                  (`courseware unlock` refuses); carries each lock's problem

Every PlatformError keeps the platform's own answer so the message shown by
`pulumi up` names the step and what the platform said. `next_step` says what the
operator does about it; `provider.base` shows `message + next step` without a Python
traceback (docs/decisions.md, "Provider errors without tracebacks").

`http_error()` is the one mapping from an HTTP status to its error, shared by the edX
and MITx Online REST clients. `retryable_http()` and `retryable_command()` are the one
classification of each family's failures for the retry helper (provider/attempts.py).
The modules these errors used to live in (`provider.adopt`, `provider.code_sheet`,
`provider.edx.keys`) import them back under the old names, so old imports and pickled
state keep working.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class ProviderError(Exception):
    """Base class of every error raised by this project."""

    #: What the operator does next; shown under the message by `pulumi up`.
    next_step = "fix the cause named above, then run `pulumi up` again: every step is safe to repeat"
    #: The writes the failing operation made before this error (provider/journal.py),
    #: set where the operation ends (provider/base.py); empty when it made none.
    writes_done: tuple[str, ...] = ()
    #: True when the error ended a create, update or delete whose writes were recorded.
    in_operation: bool = False

    def render(self) -> str:
        """The message, what this step had already written, and what to do next, as the
        CLI shows them (no traceback)."""
        text = str(self)
        if self.writes_done:
            done = "\n".join(f"  - {step}" for step in self.writes_done)
            text += f"\nThis step had already done, and kept:\n{done}"
        elif self.in_operation:
            text += "\nThis step wrote nothing."
        return f"{text}\nNext step: {self.next_step}" if self.next_step else text


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: where it is, what is wrong, and what to write instead."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _problem_lines(problems: Sequence[FieldProblem]) -> str:
    return "\n".join(f"  - {p}" for p in problems)


def problems_first(problems: Sequence[FieldProblem], what: str) -> str:
    """`problems` as the program shows them: the first one alone on the first line (the
    line the CLI prints after `error:`, and often the only one read), then the others.

    The first line names the key or catalog path, what is wrong and the fix, so a
    reader of that line alone knows what to change (issue 24)."""
    first, *rest = problems
    if not rest:
        return str(first)
    return f"{first}\n{len(rest)} more {what} problem(s):\n{_problem_lines(rest)}"


class DeclarationError(ProviderError):
    """One or more declared values are invalid. Raised before any platform call."""

    next_step = "change the stack file as each line says, then run `pulumi preview`"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__(problems_first(self.problems, "stack file"))


class InvalidCourseKey(ProviderError, ValueError):
    """A string that is not a course key; the message says what to write instead."""

    next_step = "write the key as course-v1:ORG+NUMBER+RUN, e.g. course-v1:MITx+6.00x+1T2026"


class ConfigurationError(ProviderError):
    """Stack configuration is missing or invalid."""

    next_step = "set the stack config key named above (docs/stack-file.md), then run `pulumi up` again"


class InvalidSettings(ConfigurationError):
    """The stack file's platform settings (`courseware:edx`, `courseware:mitxonline` and
    their secrets) are missing or wrong; each problem names its `courseware:` key."""

    next_step = "change the stack file's settings as each line says (docs/stack-file.md), then run `pulumi preview`"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__(problems_first(self.problems, "setting"))


class UnsafeCommand(ConfigurationError):
    """An argument vector a command could read differently from its author; refused
    before it runs (the manage command prefix of the stack config, or a value in it)."""

    next_step = "remove the newline or control character from `manageCommand` or the named value"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__(f"refused to run a command:\n{_problem_lines(self.problems)}")


class Refused(ProviderError):
    """The declaration is valid, but what exists makes it impossible to apply. Raised
    after reading the platform and before writing anything; each problem names the
    declared field and what to do instead."""

    next_step = "change the declaration as each line says, then run `pulumi preview` and `pulumi up` again"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__(f"refused:\n{_problem_lines(self.problems)}")


class PlatformError(ProviderError):
    """A call to edX or MITx Online failed."""

    next_step = (
        "read the platform's answer above; once its cause is fixed run `pulumi up` again: a step that may "
        "have been applied is read back first, never repeated blindly"
    )


@dataclass(frozen=True)
class ConfigKeys:
    """The stack config keys a client's calls depend on, so a failure can name the one to
    fix: `url` where the platform is reached, `credentials` what it authenticates with
    (e.g. ConfigKeys("`courseware:mitxonline` url", "`courseware:mitxonlineApiKey`"))."""

    url: str
    credentials: str


def _fix(key: str) -> str:
    return f" (check {key} in the stack file)" if key else ""


class HttpError(PlatformError):
    """An HTTP call failed with a status the client does not retry, or ran out of retries.

    `key` names the stack config key whose value the failure points at, when the client
    knows it (a rejected credential): the first line of the message names it."""

    def __init__(self, method: str, url: str, status: int, body: str, step: str = "", *, key: str = "") -> None:
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.step = step
        self.key = key
        where = f"{step}: " if step else ""
        super().__init__(f"{where}{method} {url} answered {status}{_fix(key)}: {body[:500]}")


class Unauthorized(HttpError):
    """401 or 403: the credentials were rejected, or the user is not staff."""

    next_step = "check the client id and secret (or API key) in the stack config and that the user is staff"

    def __init__(self, method: str, url: str, status: int, body: str, step: str = "", *, key: str = "") -> None:
        super().__init__(method, url, status, body, step, key=key)
        if key:
            self.next_step = (
                f"set {key} to a value the platform accepts (docs/stack-file.md); every command reads the stack "
                "file's current settings, so run it again once it is set"
            )


class NotFound(HttpError):
    """404: the object does not exist."""


class Conflict(HttpError):
    """The platform refused because the object already exists."""

    next_step = "`pulumi refresh` to see what exists, then adopt it (`adopt: true`) or declare another key"


class RateLimited(HttpError):
    """429 and the retries ran out."""

    next_step = "wait the time the platform asked for (Retry-After), then run `pulumi up` again"

    def __init__(
        self, method: str, url: str, status: int, body: str, step: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(method, url, status, body, step)
        self.retry_after = retry_after


class ServerError(HttpError):
    """5xx and the retries ran out."""

    next_step = (
        "the platform failed on its side: check its health, then run `pulumi up` again (what was applied "
        "is read back first)"
    )


def retry_after_seconds(header: str | None, now: dt.datetime | None = None) -> float | None:
    """The seconds a `Retry-After` header asks for (delta-seconds or an HTTP date), or None."""
    if header is None:
        return None
    if header.strip().isdigit():
        return float(header)
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def http_error(
    method: str,
    url: str,
    status: int,
    body: str,
    step: str,
    headers: Mapping[str, str] | None = None,
    keys: ConfigKeys | None = None,
) -> HttpError:
    """The one mapping from a failed HTTP answer to its error, for every REST client; a
    rejected credential names its key in `keys`."""
    if status in (401, 403):
        return Unauthorized(method, url, status, body, step, key=keys.credentials if keys else "")
    if status == 404:
        return NotFound(method, url, status, body, step)
    # Rerun and clone answer 400 "... already exists" for a taken key (docs/platforms/edx.md §2).
    if status == 409 or (status == 400 and "already exist" in body):
        return Conflict(method, url, status, body, step)
    if status == 429:
        return RateLimited(method, url, status, body, step, retry_after_seconds((headers or {}).get("Retry-After")))
    if status >= 500:
        return ServerError(method, url, status, body, step)
    return HttpError(method, url, status, body, step)


class Unreachable(PlatformError):
    """The platform could not be reached (connection refused, reset, timed out)."""

    next_step = "check the platform's URL in the stack config and that it is up, then run `pulumi up` again"

    def __init__(self, method: str, url: str, reason: str, step: str = "", *, sent: bool = True, key: str = "") -> None:
        self.method = method
        self.url = url
        self.reason = reason
        self.step = step
        # False when the request never left this machine (no connection was made).
        self.sent = sent
        self.key = key
        where = f"{step}: " if step else ""
        super().__init__(f"{where}{method} {url} could not be reached{_fix(key)}: {reason}")
        if key:
            self.next_step = (
                f"check {key} and that the platform is up; every command reads the stack file's current "
                "settings, so run it again once it is fixed"
            )


class Vanished(PlatformError):
    """An object the provider had just seen or made is gone: someone else deleted it meanwhile."""

    next_step = "`pulumi refresh` to see what exists now, then run `pulumi up` again"

    def __init__(self, what: str, when: str) -> None:
        self.what = what
        self.when = when
        super().__init__(f"{what} vanished {when}")


class UnreadableOutput(PlatformError):
    """A command finished, but what it printed is not what the provider can read.

    Not a CommandFailed: the command ran (and may have written), so it is never retried
    as a transient failure. The output is kept (or withheld when it may hold secrets).
    """

    next_step = (
        "the MITx Online version may print a format this provider does not know: `pulumi refresh`, and "
        "report the output above if it persists"
    )

    def __init__(self, argv: Sequence[str], stdout: str, stderr: str, problem: str, step: str = "") -> None:
        self.argv = list(argv)
        self.stdout = stdout
        self.stderr = stderr
        self.problem = problem
        self.step = step
        where = f"{step}: " if step else ""
        tail = stdout.strip()[-800:]
        shown = f": {tail}" if tail else ""
        super().__init__(f"{where}{problem} (the output of {' '.join(self.argv)!r} cannot be read){shown}")


class CommandFailed(PlatformError):
    """A management command exited non-zero."""

    def __init__(
        self, argv: Sequence[str], exit_code: int, stdout: str, stderr: str, step: str = "", *, key: str = ""
    ) -> None:
        self.argv = list(argv)
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.step = step
        self.key = key
        where = f"{step}: " if step else ""
        said = without_log_records(stderr) or stdout.strip()
        tail = said[-800:]
        super().__init__(f"{where}command {' '.join(self.argv)!r} exited {exit_code}{_fix(key)}: {tail}")
        # What a one-line warning quotes (provider/attempts.py): the exception a traceback
        # ends in, which the tail's first line, cut from the traceback's middle, is not.
        self.exception = exception_line(said)


def without_log_records(stderr: str) -> str:
    """What a command said on stderr less MITx Online's structlog records (one JSON
    object a line, `{"event": …}`): they are noise beside the error, and the one
    written for each code made names the code (issue #18, point 8)."""
    return "\n".join(line for line in stderr.strip().splitlines() if not line.startswith('{"event": ')).strip()


def exception_line(said: str) -> str | None:
    """The line that names the exception of the last traceback in `said`
    (`django.db.utils.IntegrityError: duplicate key ...`), None when there is no traceback.
    It is the first unindented line after the last `Traceback (most recent call last):`;
    lines after it (psycopg's `DETAIL:`) continue its message."""
    lines = said.splitlines()
    headers = [number for number, line in enumerate(lines) if line.startswith("Traceback (most recent call last):")]
    if not headers:
        return None
    for line in lines[headers[-1] + 1 :]:
        if line.strip() and not line[0].isspace():
            return line.strip()
    return None


class CommandTimedOut(CommandFailed):
    """A management command ran past its timeout and was killed."""

    next_step = (
        "the command may still be running in MITx Online: wait for it, `pulumi refresh`, then run `pulumi up` "
        "again (or raise `timeout` under courseware:mitxonline)"
    )


class CommandRefused(CommandFailed):
    """A management command printed a known refusal; `reason` says what it means."""

    next_step = "do what the refusal above asks, then run `pulumi up` again"

    def __init__(
        self, argv: Sequence[str], exit_code: int, stdout: str, stderr: str, reason: str, step: str = ""
    ) -> None:
        super().__init__(argv, exit_code, stdout, stderr, step)
        self.reason = reason
        self.args = (f"{reason}\n{self.args[0]}",)


class ContractLocked(CommandRefused):
    """MITx Online cannot save the contract: it is inactive, or outside its dates."""

    next_step = "change the contract's dates or state in the Wagtail admin, then `pulumi refresh`"


def retryable_http(error: PlatformError, *, repeatable: bool) -> bool:
    """An HTTP failure that another try may pass (provider/attempts.py).

    A 429 was refused without being acted on, and a request that never left this machine
    did nothing: both are always worth another try. A 5xx or a connection lost after
    sending may have been applied, so it is tried again only when repeating the request
    is harmless (`repeatable`: a read, a PATCH, the token request)."""
    if isinstance(error, RateLimited) or (isinstance(error, Unreachable) and not error.sent):
        return True
    return repeatable and unavailable(error)


def unavailable(error: PlatformError) -> bool:
    """The platform failed on its side (5xx) or did not answer: a later try may pass. What
    a write repeats once a fresh read shows its work missing (a 429 is waited out by the
    client itself)."""
    return isinstance(error, ServerError | Unreachable)


def retryable_command(error: PlatformError) -> bool:
    """A management command failure that another try may pass: it exited non-zero (or could
    not start) without one of the known refusals, which say the same thing every time
    (docs/platforms/mitxonline.md §3). Never after a timeout: a `kubectl exec` killed here does not
    stop the command in the deployment, so it may still be running, and a second
    `b2b_contract import` could make a second contract. Never after unreadable output
    (not a CommandFailed): the command ran."""
    return isinstance(error, CommandFailed) and not isinstance(error, CommandRefused | CommandTimedOut)


class Drifted(ProviderError):
    """The live object differs from the declaration, and the declaration does not adopt it."""

    # The message ends with what to do (adopt, or change the declaration).
    next_step = ""

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


class SessionBroken(ProviderError):
    """The MITx Online command session ended, or answered something else than the request's
    frame (provider/mitxonline/session.py); the session pool handles it."""

    next_step = "run `pulumi up` again: a new command session is started"


class SessionHung(ProviderError):
    """The MITx Online command session did not answer within the timeout; the pool handles it."""

    next_step = "run `pulumi up` again once MITx Online answers (or raise `commandTimeout`)"


class AdoptError(ProviderError):
    """`courseware adopt`: the selection names something that does not exist, or the stack cannot be read."""

    next_step = "check the names given to `courseware adopt` and the stack file, then run it again"


class UnknownContract(ProviderError, LookupError):
    """No declared contract answers to the name, slug or id given; says which ones do."""

    next_step = "name the contract as `org/name`, its slug or its id (`courseware summary` lists them)"


class NoCodes(ProviderError, LookupError):
    """The contract is declared but has no enrollment codes to write (a managed contract has
    none; a code contract may not have been applied yet); the message says which."""


class StackInUse(ProviderError):
    """A lock of the stack belongs to a `pulumi` run that is, or may be, still alive."""

    # Each problem says what to stop or check; the base class's step (`pulumi up`) would
    # meet the same lock.
    next_step = "do what each line above says, then run `courseware unlock` again"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"the stack's lock is not removed: a run may still be using the stack.\n{lines}")


class DestroyRefused(ProviderError):
    """`pulumi destroy` (or an `up` that drops every entry) of a stack whose entries are
    still protected: refused by the stack's destroy guard, the first delete of all, so
    nothing is deleted and no resource leaves the state."""

    next_step = (
        "to keep them, there is nothing to do. To destroy them after all, set `protect: false` on each entry "
        "named above (docs/destroy.md), run `pulumi up`, then `pulumi destroy` again"
    )

    def __init__(self, protected: Sequence[str]) -> None:
        self.protected = list(protected)
        lines = "\n".join(f"  - {entry}" for entry in self.protected)
        super().__init__(
            f"the stack still protects what learners hold, so nothing was deleted and the state is unchanged:\n{lines}"
        )
