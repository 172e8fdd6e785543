"""0014 (bulletins, 月报发布): upgrade creates the table with its one-bulletin-per-place-and-month key,
downgrade removes it and leaves the rest, upgrade again restores it; a bulletin saved twice for one
month is one row (replaced, its id kept)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from lantian.domain.bulletins import PublishedBulletin
from lantian.storage import tables as t
from lantian.storage.bulletins import BulletinRepository
from lantian.storage.engine import current_revision, downgrade, head_revision, make_engine, session_factory, upgrade


def bulletin(pdf: str | None, at: dt.datetime) -> PublishedBulletin:
    size = None if pdf is None else 20
    return PublishedBulletin("苏州市", "2025-01", "苏州市2025年1月环境空气质量月报", "a" * 64, 10, pdf, size, "dqb", at)


def test_0014_up_down_and_one_bulletin_per_month(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        assert "bulletins" in inspect(engine).get_table_names()
        unique = {tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("bulletins")}
        assert ("place", "month") in unique
        sessions = session_factory(engine)
        first_at = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
        with sessions.begin() as session:
            first = BulletinRepository(session).save(bulletin("b" * 64, first_at))
        with sessions.begin() as session:
            repo = BulletinRepository(session)
            again = repo.save(bulletin(None, first_at + dt.timedelta(hours=1)))
            assert again.id == first.id and again.pdf_sha256 is None and again.published_at > first.published_at
            assert repo.of_places(["苏州市"]) == [again] and repo.of_places(["南京市"]) == []
        with pytest.raises(IntegrityError), sessions.begin() as session:  # the key holds in the database too
            session.execute(t.bulletins.insert().values(
                place="苏州市", month="2025-01", title="x", docx_sha256="c" * 64, docx_size=1, published_by="dqb",
                published_at=first_at,
            ))  # fmt: skip
        downgrade(engine, "0011")
        assert "bulletins" not in inspect(engine).get_table_names()
        assert "progress_rounds" in inspect(engine).get_table_names()  # what 0011 made stays
        upgrade(engine)
        assert "bulletins" in inspect(engine).get_table_names()
        assert current_revision(engine) == head_revision(engine)
    finally:
        engine.dispose()
