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
from collections.abc import Callable, Mapping, Sequence
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

from provider.errors import ConfigurationError, FieldProblem, InvalidSettings

PROJECT = "courseware"
# The keys above, as `provider/stack_config.py` checks a stack file's keys against them.
CONFIG_KEYS = ("edx", "edxClientSecret", "mitxonline", "mitxonlineApiKey")


class _Settings(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", populate_by_name=True, frozen=True)


class EdxSettings(_Settings):
    lms_url: HttpUrl = Field(alias="lmsUrl")
    studio_url: HttpUrl = Field(alias="studioUrl")
    client_id: str = Field(alias="clientId", min_length=1)
    client_secret: SecretStr = Field(alias="clientSecret")


_ARGV = "[kubectl, exec, -i, -n, mitxonline, deploy/mitxonline-app, --, python, manage.py]"

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


def words_run_together(prefix: Sequence[str]) -> str | None:
    """Why `prefix` holds several words in one item, or None. A command runs its argv as
    given, with no shell to split it: `"kubectl exec -i …"` is one program name, and
    `"python manage.py"` one argument, that exist nowhere. Later items may hold a space
    (a path), but not the program nor the word that names manage.py."""
    for index, word in enumerate(prefix):
        parts = word.split()
        if len(parts) > 1 and (index == 0 or parts[-1].endswith("manage.py")):
            return f"the item {word!r} holds {len(parts)} words, and no shell splits it"
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
        reason = shell_joining(prefix) or words_run_together(prefix)
        if reason is not None:
            raise ValueError(f"{reason}; write the argv that runs manage.py directly, one word per item, e.g. {_ARGV}")
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
    except json.JSONDecodeError:
        value = text
    if not isinstance(value, dict):
        fields = ", ".join(f"`{alias}`" for alias in _aliases(name))
        raise InvalidSettings(
            [
                FieldProblem(
                    _key(name),
                    f"is {type(value).__name__} {value!r}, not a mapping; write its settings indented under "
                    f"it, one `name: value` per line ({fields}; docs/stack-file.md)",
                )
            ]
        )
    return value


# The keys whose values are secrets: stored encrypted in the stack file, never in clear.
SECRET_KEYS = {"edxClientSecret": ("edx", "clientSecret"), "mitxonlineApiKey": ("mitxonline", "apiKey")}
_SECRET_KEY_OF = {location: name for name, location in SECRET_KEYS.items()}

# What to write instead, per setting: the second half of every message about it.
_FIXES = {
    "lmsUrl": "write the LMS address with its scheme, e.g. lmsUrl: https://lms.example.edu",
    "studioUrl": "write the Studio address with its scheme, e.g. studioUrl: https://studio.example.edu",
    "url": "write MITx Online's address with its scheme, e.g. url: https://mitxonline.example.edu",
    "clientId": "write the client id of the edX OAuth2 application, e.g. clientId: courseware-automation",
    "manageCommand": f"write the argv that runs manage.py as a list, one word per item, e.g. manageCommand: {_ARGV}",
    "commandTimeout": "write a number of seconds above 0, unquoted, e.g. commandTimeout: 600",
    "cloneTimeout": "write a number of seconds above 0 and at most 7200, unquoted, e.g. cloneTimeout: 900",
    "session": "write true, false or a number of sessions from 1 to 8, unquoted, e.g. session: 3",
}


def _secret_fix(name: str) -> str:
    return f"set it with `pulumi config set --secret {name}`, which reads the value from standard input"


def _problem(error: Mapping[str, Any]) -> FieldProblem:
    """One pydantic error as a problem naming the stack file's own key."""
    section, *rest = (str(part) for part in error["loc"])
    field = rest[0] if rest else ""
    secret = _SECRET_KEY_OF.get((section, field))
    if secret is not None:
        key = f"{PROJECT}:{secret}"
        if error["type"] == "missing" or error.get("input") is None:
            return FieldProblem(key, f"is missing: {_secret_fix(secret)}")
        return FieldProblem(key, f"must be text: {_secret_fix(secret)}")
    key = f"{PROJECT}:{section}.{field}" if field else f"{PROJECT}:{section}"
    if error["type"] == "extra_forbidden":
        known = ", ".join(f"`{alias}`" for alias in _aliases(section))
        return FieldProblem(key, f"is not a setting of `{PROJECT}:{section}`: remove it (the settings are {known})")
    if error["type"] == "missing":
        return FieldProblem(key, f"is missing; {_FIXES.get(field, 'add it (docs/stack-file.md)')}")
    # A union's members each fail (`session: '3'`): one message says what the field takes.
    if len(rest) > 1:
        wrong = f"{error.get('input')!r} is not one of the values it takes"
    elif error["type"] in ("tuple_type", "list_type"):
        wrong = f"{error.get('input')!r} is not a list"
    else:
        wrong = str(error["msg"]).removeprefix("Value error, ")
    fix = _FIXES.get(field)
    return FieldProblem(key, f"{wrong}; {fix}" if fix and error["type"] != "value_error" else wrong)


def _aliases(section: str) -> list[str]:
    models: dict[str, type[_Settings]] = {"edx": EdxSettings, "mitxonline": MitxOnlineSettings}
    model = models.get(section)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items() if (section, f.alias) not in _SECRET_KEY_OF]


def _problems(exc: ValidationError) -> list[FieldProblem]:
    """One problem per setting, in the order pydantic found them."""
    found: dict[str, FieldProblem] = {}
    for error in exc.errors(include_url=False):
        problem = _problem(error)
        found.setdefault(problem.path, problem)
    return list(found.values())


def settings_from_config(raw: ConfigSource) -> PlatformSettings:
    """Build settings from the stack config the engine passes (`project:key` -> string);
    raise InvalidSettings naming every wrong `courseware:` key."""
    edx = _object(raw, "edx")
    mitx = _object(raw, "mitxonline")
    data: dict[str, Any] = {}
    # A missing secret is left out, so pydantic reports it missing rather than "not a string".
    if edx is not None:
        data["edx"] = {**edx, **_present(clientSecret=raw.get(_key("edxClientSecret")))}
    if mitx is not None:
        data["mitxonline"] = {**mitx, **_present(apiKey=raw.get(_key("mitxonlineApiKey")))}
    try:
        return PlatformSettings.model_validate(data)
    except ValidationError as exc:
        raise InvalidSettings(_problems(exc)) from None


def _present(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def plain_text_secrets(config: Mapping[str, Any], is_secret: Callable[[str], bool]) -> list[FieldProblem]:
    """A problem per secret key whose value the stack file holds in clear: whoever reads
    the repository would have the credential, so it is refused, not used."""
    return [
        FieldProblem(
            _key(name),
            "is stored in plain text in the stack file; a credential must be encrypted: delete the line, "
            f"then {_secret_fix(name)}",
        )
        for name in SECRET_KEYS
        if config.get(_key(name)) is not None and not is_secret(_key(name))
    ]
