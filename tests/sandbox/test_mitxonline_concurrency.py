"""Commands run side by side (the provider runs up to four at once): shared rows that
Django gets-or-creates must survive a concurrent create, as `get_or_create` does."""

from __future__ import annotations

import threading
from pathlib import Path

from sandbox.mitxonline import repo
from sandbox.store import connect, open_store


def test_concurrent_get_or_create_of_an_enrollment_mode_never_fails(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    workers, rounds = 6, 40
    barrier = threading.Barrier(workers)
    failures: list[BaseException] = []

    def attach(worker: int) -> None:
        db = connect(tmp_path)
        db.execute("PRAGMA foreign_keys = OFF")  # the runs themselves are not the point here
        try:
            for n in range(rounds):
                barrier.wait()
                # Every worker creates the same new mode at once, each for its own run.
                repo.attach_mode(db, worker * 1000 + n, f"mode-{n}")
        except BaseException as failure:
            failures.append(failure)
            barrier.abort()
        finally:
            db.close()

    db = connect(tmp_path)
    threads = [threading.Thread(target=attach, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert db.execute("SELECT COUNT(*) FROM mitx_enrollment_mode").fetchone()[0] == rounds
    assert db.execute("SELECT COUNT(*) FROM mitx_course_run_mode").fetchone()[0] == rounds * workers
