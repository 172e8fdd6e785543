from __future__ import annotations

from pathlib import Path

import pytest

from lantian.domain.plans.departments import DepartmentDictionary, parse_clause, split_names
from lantian.domain.plans.model import Role
from lantian.errors import ConfigError


@pytest.fixture(scope="module")
def dictionary() -> DepartmentDictionary:
    return DepartmentDictionary.load_default()


def roles(clause: str, d: DepartmentDictionary, prefix: str = "市") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for dep in parse_clause(clause, d, default_prefix=prefix).departments:
        out.setdefault(dep.role.value, []).append(dep.normalized)
    return out


def test_aliases(dictionary: DepartmentDictionary) -> None:
    assert dictionary.normalize("市发改委") == "市发展改革委"
    assert dictionary.normalize("市发展改革委") == "市发展改革委"
    assert dictionary.normalize("区经发局") == "区经济发展局"
    assert dictionary.normalize("市场监管局") == "市场监管局"  # 市场 is not the 市 prefix
    assert dictionary.normalize("省应急厅") == "省应急管理厅"


def test_shared_prefix(dictionary: DepartmentDictionary) -> None:
    got = roles("市发改委、工信局、生态环境局等按职责分工负责", dictionary)
    assert got == {"responsible": ["市发展改革委", "市工业和信息化局", "市生态环境局"]}


def test_units_are_never_prefixed(dictionary: DepartmentDictionary) -> None:
    got = roles("市交通局、沿江三市直属海事局、苏州海关、交警开发区大队、港航集团等按职责分工负责", dictionary)
    assert got["responsible"] == ["市交通运输局", "沿江三市直属海事局", "苏州海关", "交警开发区大队", "港航集团"]


def test_brackets_are_not_split(dictionary: DepartmentDictionary) -> None:
    assert split_names("各设区市、县（市、区）人民政府、省生态环境厅") == [
        "各设区市",
        "县（市、区）人民政府",
        "省生态环境厅",
    ]


def test_roles(dictionary: DepartmentDictionary) -> None:
    got = roles("生态环境局牵头，发改委、自然资源局、审批局参与，各区镇人民政府（管委会）负责落实", dictionary)
    assert got == {
        "lead": ["市生态环境局"],
        "cooperating": ["市发展改革委", "市自然资源局", "市行政审批局"],
        "responsible": ["各区镇人民政府（管委会）"],
    }


def test_segment_without_role_takes_the_next_role(dictionary: DepartmentDictionary) -> None:
    got = roles("各县级市（区）人民政府，苏州工业园区、太仓港口管委会负责落实", dictionary)
    assert got == {"responsible": ["各县级市（区）人民政府", "苏州工业园区", "太仓港口管委会"]}


def test_implicit_clause(dictionary: DepartmentDictionary) -> None:
    result = parse_clause(
        "市发改委等按职责分工负责，各县级市（区）人民政府（管委会）负责落实。以下均需各县级市（区）人民政府（管委会）负责落实，不再列出。",
        dictionary,
        default_prefix="市",
    )
    assert [d.normalized for d in result.implicit] == ["各县级市（区）人民政府（管委会）"]
    assert all(d.implicit and d.role is Role.RESPONSIBLE for d in result.implicit)
    assert [d.normalized for d in result.departments] == ["市发展改革委", "各县级市（区）人民政府（管委会）"]


def test_district_default_prefix(dictionary: DepartmentDictionary) -> None:
    got = roles("市交通运输综合行政执法支队二大队牵头，生态环境分局、各街道配合", dictionary, prefix="区")
    assert got["cooperating"] == ["区生态环境分局", "各街道"]


def test_unresolved_names_are_reported(dictionary: DepartmentDictionary) -> None:
    result = parse_clause("市生态环境局、市交通局", dictionary, default_prefix="市")
    assert result.departments == []
    assert result.unresolved == ["市生态环境局", "市交通局"]


def test_user_dictionary_extends_the_shipped_one(dictionary: DepartmentDictionary, tmp_path: Path) -> None:
    own = tmp_path / "departments.toml"
    own.write_text('[aliases]\n"环保局" = "生态环境局"\n[units]\nnames = ["园区管理办"]\n', encoding="utf-8")
    merged = dictionary.merged_with(own)
    assert merged.normalize("市环保局") == "市生态环境局"
    assert merged.is_unit("园区管理办")
    assert merged.normalize("市发改委") == "市发展改革委"  # the shipped entries stay


def test_bad_user_dictionary_is_a_clear_error(dictionary: DepartmentDictionary, tmp_path: Path) -> None:
    own = tmp_path / "departments.toml"
    own.write_text("[aliases\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        dictionary.merged_with(own)
    assert str(own) in str(err.value)
    own.write_text("[units]\nnames = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"units\.names"):
        dictionary.merged_with(own)
