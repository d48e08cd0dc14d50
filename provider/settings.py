"""Platform settings read from stack config (the clients are built from them in provider/platforms.py).

Stack config keys (project `courseware`):

    courseware:edx                {"lmsUrl": ..., "studioUrl": ..., "clientId": ...}
    courseware:edxClientSecret    secret: `pulumi config set --secret edxClientSecret` (value on stdin)
    courseware:mitxonline         {"url": ..., "manageCommand": [argv...], "commandTimeout": 600,
                                   "cloneTimeout": 900, "session": true | N | false}
    courseware:mitxonlineApiKey   secret: `pulumi config set --secret mitxonlineApiKey` (value on stdin)

Providers receive the whole stack config in `configure()` (docs/platforms/pulumi.md §1),
after unpickling, so nothing read here is ever serialised into state. The clients are
built from these settings in one place, provider/platforms.py, shared by every provider
and every worker thread of the process.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    StrictBool,
    ValidationError,
    field_validator,
)

from provider.errors import ConfigurationError

PROJECT = "courseware"
# The keys above, as `provider/stack_config.py` checks a stack file's keys against them.
CONFIG_KEYS = ("edx", "edxClientSecret", "mitxonline", "mitxonlineApiKey")


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class EdxSettings(_Settings):
    lms_url: HttpUrl = Field(alias="lmsUrl")
    studio_url: HttpUrl = Field(alias="studioUrl")
    client_id: str = Field(alias="clientId", min_length=1)
    client_secret: SecretStr = Field(alias="clientSecret")


# Prefixes that join the words after them into one shell command line: `ssh host ...`
# runs its words through the remote shell, `sh -c 'python manage.py'` takes the words
# after its script as `$0 $1…`. Either would split or drop the program sent to
# `shell -c`, so a manageCommand that uses one is refused (docs/stack-file.md).
_JOINING = frozenset({"ssh"})
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "fish"})


def shell_joining(prefix: Sequence[str]) -> str | None:
    """Why `prefix` would hand its arguments to a shell as one line, or None."""
    names = [word.rsplit("/", 1)[-1] for word in prefix]
    for index, name in enumerate(names):
        if name in _JOINING:
            return f"`{name}` joins the words after it into one remote shell command"
        if name in _SHELLS and "-c" in names[index + 1 :]:
            return f"`{name} -c` runs one script and passes the words after it as $0, $1, …"
    return None


class MitxOnlineSettings(_Settings):
    url: HttpUrl
    manage_command: tuple[str, ...] = Field(alias="manageCommand", min_length=1)
    command_timeout: float = Field(alias="commandTimeout", default=600.0, gt=0)
    # How long mitxonline:ContractCourseware waits for edX to have the contract runs that
    # `b2b_courseware add` queued for cloning (docs/platforms/mitxonline.md §9), unless the
    # resource declares its own `clone_timeout`. The default covers the first try and the
    # first retry (5 to 6 minutes later, docs/platforms/mitxonline.md §9); the sandbox stacks, whose clones take about
    # a second, set much less, so a clone that never comes fails fast.
    clone_timeout: float = Field(alias="cloneTimeout", default=900.0, gt=0, le=7200)
    api_key: SecretStr = Field(alias="apiKey")
    # Commands run through command sessions (provider/mitxonline/session.py): `true` (one
    # session), a number of sessions for commands run at the same time (at most 8; each
    # pays a Django start-up), or `false`: one process per command, for deployments where
    # a long-lived `kubectl exec` is not allowed.
    session: StrictBool | Annotated[int, Field(strict=True, ge=1, le=8)] = True

    @property
    def sessions(self) -> int:
        """How many command sessions may run at once; 0 for one process per command."""
        if isinstance(self.session, bool):
            return 1 if self.session else 0
        return self.session

    @field_validator("manage_command")
    @classmethod
    def _no_shell_line(cls, prefix: tuple[str, ...]) -> tuple[str, ...]:
        reason = shell_joining(prefix)
        if reason is not None:
            raise ValueError(
                f"{reason}; write the argv that runs manage.py directly, e.g. "
                "[kubectl, exec, -i, -n, mitxonline, deploy/mitxonline-app, --, python, manage.py]"
            )
        return prefix


class PlatformSettings(_Settings):
    edx: EdxSettings | None = None
    mitxonline: MitxOnlineSettings | None = None

    def require_edx(self) -> EdxSettings:
        if self.edx is None:
            raise ConfigurationError(
                "edX is not configured: set `courseware:edx` (lmsUrl, studioUrl, clientId) and "
                "`pulumi config set --secret edxClientSecret`, which reads the secret from standard input"
            )
        return self.edx

    def require_mitxonline(self) -> MitxOnlineSettings:
        if self.mitxonline is None:
            raise ConfigurationError(
                "MITx Online is not configured: set `courseware:mitxonline` (url, manageCommand) and "
                "`pulumi config set --secret mitxonlineApiKey`, which reads the key from standard input"
            )
        return self.mitxonline


class ConfigSource(Protocol):
    """What settings are read from: `pulumi.dynamic.Config`, or a plain dict of full keys."""

    def get(self, key: str, /) -> Any: ...


def _key(name: str) -> str:
    return f"{PROJECT}:{name}"


def _object(raw: ConfigSource, name: str) -> dict[str, Any] | None:
    text = raw.get(_key(name))
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"stack config `{_key(name)}` is not an object: {exc}") from exc
    if not isinstance(value, dict):
        raise ConfigurationError(f"stack config `{_key(name)}` must be an object, got {type(value).__name__}")
    return value


def settings_from_config(raw: ConfigSource) -> PlatformSettings:
    """Build settings from the stack config the engine passes (`project:key` -> string)."""
    edx = _object(raw, "edx")
    mitx = _object(raw, "mitxonline")
    data: dict[str, Any] = {}
    if edx is not None:
        data["edx"] = {**edx, "clientSecret": raw.get(_key("edxClientSecret"))}
    if mitx is not None:
        data["mitxonline"] = {**mitx, "apiKey": raw.get(_key("mitxonlineApiKey"))}
    try:
        return PlatformSettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_input=False)
        )
        raise ConfigurationError(f"invalid platform settings in stack config: {problems}") from None
