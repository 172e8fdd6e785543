"""The to-do list (待办) and ``notify run`` at scale: 100,000 tasks (the data of bench_web.py).

Times, best of 3, for a department user and a city's 大气办: the whole list (``todo``: every group
counted by the store, the first 100 items read) and the navigation's count, uncached (the cache
cleared) and cached; then ``notify run`` twice (the second has nothing to do). Baseline: the
dashboard's summary for the same users (``WorkflowService.summary``, uncached), which counts the
same tasks in the store.

    python benchmarks/bench_todo.py [--tasks 100000]
"""

from __future__ import annotations

import argparse
import time

from _common import REPO, best_of
from bench_web import build


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tasks", type=int, default=100_000)
    args = ap.parse_args()
    folder = REPO / "build" / "bench-web"
    build(folder, args.tasks)

    from lantian.bootstrap import App
    from lantian.config import NotifySettings, Settings
    from lantian.domain.tracking.model import Actor, UserRole
    from lantian.services.notify import NotificationService

    app = App.open(Settings.load(folder / "data"))
    app.notify = NotificationService(app.store, app.audit, app.workflow, NotifySettings())
    try:
        tasks = sum(p.task_count for p in app.plans.list_plans())
        users = [u for u in app.accounts.list() if u.username in ("dept0_0", "dqb0")]
        print(f"{tasks:,} tasks")
        for user in users:
            actor: Actor = user.actor()

            def todo(actor: Actor = actor) -> int:
                return app.notify.todo(actor).total

            def count(actor: Actor = actor) -> int:
                app.notify._counts.clear()
                return app.notify.todo_count(actor)

            def cached(actor: Actor = actor) -> int:
                return app.notify.todo_count(actor)

            def summary(actor: Actor = actor) -> int:
                app.workflow._summaries.clear()
                return app.workflow.summary(actor).tasks

            t_todo, total = best_of(3, todo)
            t_count, n = best_of(3, count)
            t_cached, _ = best_of(3, cached)
            t_summary, _ = best_of(3, summary)
            role = "部门" if actor.role is UserRole.DEPARTMENT else "大气办"
            print(f"{user.username} ({role} {actor.department or actor.jurisdiction}): {total} to-dos (count {n}); "
                  f"list {t_todo * 1000:.0f} ms, count {t_count * 1000:.0f} ms, cached {t_cached * 1000:.2f} ms; "
                  f"baseline dashboard summary {t_summary * 1000:.0f} ms")  # fmt: skip
        for attempt in (1, 2):
            start = time.perf_counter()
            result = app.notify.run()
            print(f"notify run #{attempt}: {time.perf_counter() - start:.1f} s {result.as_dict()}")
    finally:
        app.close()


if __name__ == "__main__":
    main()
