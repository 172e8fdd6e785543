"""The web app under load (网页端压力测试): 100,000 tasks, 50 concurrent users on loopback.

A province (江苏省, its plan 003) and its 13 cities, each city with copies of seed plan 000 (苏州's
task table) under its own name until the store holds ``--tasks`` tasks; a month of progress
reports, 督办 notices and tickets; per city an admin (大气办), two department users and a leader.
The server is ``lantian serve`` on the embedded default (SQLite, one process), as a user starts it.

Each simulated user signs in, then loops: the task list (page 1, sometimes filtered), one of its
tasks, the dashboard, with a think time between clicks (``--think``, default 2–8 s: a person reading
the page; 0.5–1.5 s is a stress test); after 5 % of the tasks they
open, department users file a progress report (a write, which also renews every dashboard's
figures). Latencies are measured by the client (request sent → last byte), per page. The
baselines, measured in the same run on the same server: ``/healthz`` under the same load, and each
page requested by a single user with nobody else on the server. Ratios are printed against both.

    python benchmarks/bench_web.py                  # 100,000 tasks, 50 users, 60 s, thinking 2–8 s
    python benchmarks/bench_web.py --think 0.5-1.5  # the same crowd clicking every second
    python benchmarks/bench_web.py --tasks 20000 --users 10 --seconds 20

The data folder is built once under ``build/bench-web/`` and reused while its task count matches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from _common import REPO, seeds_dir

CITIES = ("南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市", "淮安市", "盐城市", "扬州市",
          "镇江市", "泰州市", "宿迁市")  # fmt: skip
PASSWORD = "bench-password-0"
DEPARTMENTS = ("市生态环境局", "市交通运输局")
RUN_YEAR = 1100 + int(time.time()) // 60 % 8000  # a year no run before used (one per minute)
WRITE_SHARE = 0.05  # a department user files a report after this share of the tasks it opens


def build(folder: Path, tasks: int) -> list[dict[str, str]]:
    """The data folder with at least ``tasks`` tasks, and the accounts (username, role, place)."""
    import datetime as dt

    from lantian.bootstrap import App
    from lantian.config import Settings
    from lantian.domain.plans.model import TaskStatus
    from lantian.domain.tracking.model import Actor, TicketSource, UserRole

    marker = folder / "bench.json"
    if marker.is_file():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if info["tasks"] >= tasks:
            print(f"reusing {folder} ({info['tasks']:,} tasks)")
            return list(info["accounts"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    app = App.open(Settings.load(folder / "data"))
    try:
        areas = folder / "areas.csv"
        areas.write_text("城市,省级行政区\n" + "".join(f"{c},江苏省\n" for c in CITIES), encoding="utf-8")
        app.airquality.import_area_map(areas)
        seeds = seeds_dir()
        (province,) = seeds.glob("003_*.txt")
        (city_plan,) = seeds.glob("000_*.txt")
        total = app.plans.import_files([province]).outcomes[0].tasks
        n = 0
        while total < tasks:
            city = CITIES[n % len(CITIES)]
            batch = n // len(CITIES) + 1
            outcome = app.plans.import_files(
                [city_plan],
                key=f"{city}·专项任务·第{batch}批",
                overrides={"jurisdiction": city, "title": f"{city}大气污染防治专项任务（第{batch}批）"},
            ).outcomes[0]
            total += outcome.tasks
            n += 1
            if n % 50 == 0:
                print(f"  {n} plans, {total:,} tasks, {time.perf_counter() - start:.0f} s")
        accounts = []
        for city in CITIES:
            short = CITIES.index(city)
            rows = [(f"dqb{short}", UserRole.ADMIN, None), (f"lead{short}", UserRole.LEADER, None)]
            rows += [(f"dept{short}_{i}", UserRole.DEPARTMENT, d) for i, d in enumerate(DEPARTMENTS)]
            for name, role, department in rows:
                app.accounts.add(name, PASSWORD, role, city, department=department)
                accounts.append({"username": name, "role": role.value, "place": city})
        # a month of work in every city: reports on 40 tasks per department, 10 notices, 10 tickets
        today = app.workflow.today()
        period = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        for short, city in enumerate(CITIES):
            admin = Actor(f"dqb{short}", UserRole.ADMIN, city)
            for department in DEPARTMENTS:
                dept = Actor(f"dept{short}_0", UserRole.DEPARTMENT, city, department)
                mine = [ref for ref, place in app.workflow.visible_tasks(dept) if place == city]
                for ref in mine[:40]:
                    if department in [name for name, _ in ref.departments]:
                        app.workflow.submit_progress(dept, ref.id, period=period, status=TaskStatus.IN_PROGRESS,
                                                     narrative="按计划推进", department=department)  # fmt: skip
                for i in range(5):
                    app.workflow.issue_notice(admin, department=department, subject=f"督办事项{i}", body="请按期办结",
                                              due=today + dt.timedelta(days=7 * i + 1))  # fmt: skip
            for i in range(10):
                app.workflow.open_ticket(admin, source=TicketSource.INSPECTION, title=f"问题{i}", description="扬尘")
        total = sum(p.task_count for p in app.plans.list_plans())
    finally:
        app.close()
    marker.write_text(json.dumps({"tasks": total, "accounts": accounts}, ensure_ascii=False), encoding="utf-8")
    print(f"built {folder}: {total:,} tasks in {time.perf_counter() - start:.0f} s")
    return accounts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "lantian", "serve", "--data-dir", str(data), "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill()
    sys.exit("the server did not start")


class User:
    """One person at a browser: signs in, then list → task → dashboard with think time between."""

    def __init__(
        self, base: str, account: dict[str, str], rng: random.Random, think: tuple[float, float] = (2, 8)
    ) -> None:
        self.think = think
        self.client = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
        self.account = account
        self.rng = rng
        self.task_ids: list[int] = []
        self.csrf = ""
        self.filed = 0

    def pause(self) -> float:
        """A person's think time between clicks (seconds), uniform in ``think``."""
        return self.rng.uniform(*self.think)

    async def sign_in(self) -> None:
        r = await self.client.post("/api/v1/session", json={"username": self.account["username"], "password": PASSWORD})
        r.raise_for_status()
        self.csrf = r.json()["csrf_token"]

    async def file_progress(self, task_id: int, out: dict[str, list[float]]) -> None:
        """A department files a month's report: months of a year of its own this run (the data folder
        is reused, so each run starts at another year)."""
        self.filed += 1
        period = f"{RUN_YEAR + self.filed // 12}-{self.filed % 12 + 1:02d}"
        data = {"period": period, "status": "in_progress", "narrative": "按计划推进，已完成阶段任务"}
        start = time.perf_counter()
        r = await self.client.post(f"/api/v1/tasks/{task_id}/progress", data=data,
                                   headers={"X-CSRF-Token": self.csrf})  # fmt: skip
        out.setdefault("file progress", []).append(time.perf_counter() - start)
        if r.status_code != 200:
            raise RuntimeError(f"filing progress as {self.account['username']}: {r.status_code} {r.text[:200]}")

    async def get(self, kind: str, url: str, out: dict[str, list[float]]) -> httpx.Response:
        start = time.perf_counter()
        r = await self.client.get(url)
        out.setdefault(kind, []).append(time.perf_counter() - start)
        if r.status_code != 200:
            raise RuntimeError(f"{url} as {self.account['username']}: {r.status_code} {r.text[:200]}")
        return r

    def task_list_url(self) -> str:
        choice = self.rng.random()
        if choice < 0.5:
            return "/tasks"
        if choice < 0.7:
            return "/tasks?status=in_progress"
        if choice < 0.85:
            return "/tasks?overdue=1"
        return f"/tasks?page={self.rng.randint(2, 20)}"

    async def click(self, out: dict[str, list[float]]) -> None:
        r = await self.get("task list", self.task_list_url(), out)
        ids = [int(x) for x in _TASK_LINK.findall(r.text)]
        self.task_ids = ids or self.task_ids
        await asyncio.sleep(self.pause())
        if self.task_ids:
            task_id = self.rng.choice(self.task_ids)
            await self.get("task detail", f"/tasks/{task_id}", out)
            await asyncio.sleep(self.pause())
            if self.account["role"] == "department" and self.rng.random() < WRITE_SHARE:
                await self.file_progress(task_id, out)
                await asyncio.sleep(self.pause())
        await self.get("dashboard", "/dashboard", out)
        await asyncio.sleep(self.pause())


_TASK_LINK = __import__("re").compile(r'href="/tasks/(\d+)"')


async def health(base: str, until: float, out: dict[str, list[float]]) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        while time.perf_counter() < until:
            start = time.perf_counter()
            await client.get("/healthz")
            out.setdefault("healthz", []).append(time.perf_counter() - start)
            await asyncio.sleep(0.25)


async def alone(base: str, account: dict[str, str], rounds: int) -> dict[str, list[float]]:
    """Each page requested by one user with nobody else on the server: the unloaded baseline."""
    out: dict[str, list[float]] = {}
    user = User(base, account, random.Random(1))
    await user.sign_in()
    for _ in range(rounds):
        start = time.perf_counter()
        await user.client.get("/healthz")
        out.setdefault("healthz", []).append(time.perf_counter() - start)
        r = await user.get("task list", "/tasks", out)
        ids = [int(x) for x in _TASK_LINK.findall(r.text)]
        await user.get("task detail", f"/tasks/{ids[len(out['task list']) % len(ids)]}", out)
        await user.get("dashboard", "/dashboard", out)
    await user.client.aclose()
    return out


async def load(base: str, accounts: list[dict[str, str]], users: int, seconds: float,
               think: tuple[float, float]) -> dict[str, list[float]]:  # fmt: skip
    out: dict[str, list[float]] = {}
    crowd = [User(base, accounts[i % len(accounts)], random.Random(i), think) for i in range(users)]
    for u in crowd:
        await u.sign_in()
    until = time.perf_counter() + seconds

    async def run(u: User) -> None:
        await asyncio.sleep(u.rng.uniform(0, think[1]))  # people do not all click at once
        while time.perf_counter() < until:
            await u.click(out)

    await asyncio.gather(health(base, until, out), *(run(u) for u in crowd))
    for u in crowd:
        await u.client.aclose()
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--folder", type=Path, default=REPO / "build" / "bench-web")
    parser.add_argument("--think", default="2-8", help="think time between clicks, seconds: LOW-HIGH (default 2-8)")
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split("-"))
    accounts = build(args.folder, args.tasks)
    server, base = start_server(args.folder / "data")
    try:
        # warm up: the first dashboard computes the air-quality overview and fills the caches
        asyncio.run(alone(base, accounts[0], 2))
        single = asyncio.run(alone(base, accounts[0], 20))
        loaded = asyncio.run(load(base, accounts, args.users, args.seconds, (low, high)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    info = json.loads((args.folder / "bench.json").read_text(encoding="utf-8"))
    print(f"\n{info['tasks']:,} tasks · {len(accounts)} accounts · {args.users} users for {args.seconds:.0f} s, "
          f"thinking {low:g}–{high:g} s between clicks · SQLite, one server process")  # fmt: skip
    health_p95 = percentile(loaded["healthz"], 0.95)
    header = ("page", "requests", "p50 ms", "p95 ms", "alone p50", "p95/alone", "p95/healthz")
    print("{:<13} {:>8} {:>8} {:>8} {:>10} {:>10} {:>12}".format(*header))
    for kind in ("task list", "task detail", "dashboard", "file progress", "healthz"):
        xs, base_xs = loaded.get(kind, []), single.get(kind, [])
        if not xs:
            continue
        p50, p95 = percentile(xs, 0.5) * 1000, percentile(xs, 0.95) * 1000
        alone_p50 = statistics.median(base_xs) * 1000 if base_xs else float("nan")
        print(f"{kind:<13} {len(xs):>8} {p50:>8.1f} {p95:>8.1f} {alone_p50:>10.1f} {p95 / alone_p50:>10.1f} "
              f"{p95 / (health_p95 * 1000):>12.1f}")  # fmt: skip
    done = sum(len(v) for k, v in loaded.items() if k != "healthz")
    print(f"throughput: {done / args.seconds:.1f} pages/s")


if __name__ == "__main__":
    main()
