"""TEMPORARY (issue 26): runs the provider's program edits against the sandbox.

The provider edits a program with one `manage.py shell -c` running
`provider/mitxonline/remote/programs.py: write_program`, which calls MITx Online's own
model `save()` and `ProgramRequirementTreeSerializer` (decisions §33). The sandbox's
`shell` emulates `call_command` only, not `courses.models`, so this wrapper, put in
front of the sandbox's `manage` as `manageCommand` (with `session: false`), turns that one
shell into the sandbox's own stand-ins for the admin's edits: `sandbox_program_admin set`
and `sandbox_program_admin requirements` (docs/sandbox-mitxonline.md, Programs). Every
other command goes to the sandbox unchanged. It goes away when the sandbox's shell runs
`write_program` itself.

    python admin_stand_in.py <sandbox manage argv…> -- <command> <args…>
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys


def _write_program_call(code: str) -> list[object] | None:
    """The arguments of the program's final `write_program(...)` call, or None."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr) or not isinstance(last.value, ast.Call):
        return None
    func = last.value.func
    if not isinstance(func, ast.Name) or func.id != "write_program":
        return None
    return [ast.literal_eval(argument) for argument in last.value.args]


def main(argv: list[str]) -> int:
    split = argv.index("--")
    manage, command = argv[:split], argv[split + 1 :]
    call = _write_program_call(command[3]) if command[:3] == ["shell", "--no-imports", "-c"] else None
    if call is None:
        os.execvp(manage[0], [*manage, *command])
    readable_id, title, live, b2b_only, required, elective = call
    assert isinstance(required, list) and isinstance(elective, list)
    edits = [
        [
            "sandbox_program_admin", "set", str(readable_id), "--title", str(title),
            "--live" if live else "--not-live", "--b2b-only" if b2b_only else "--not-b2b-only",
        ],
        [
            "sandbox_program_admin", "requirements", str(readable_id),
            *(word for course in required for word in ("--required", str(course))),
            *(word for course in elective for word in ("--elective", str(course))),
        ],
    ]  # fmt: skip
    for edit in edits:
        done = subprocess.run([*manage, *edit], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            return done.returncode
    json.dump({"changed": []}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
