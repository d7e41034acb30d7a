"""kb.rules.areas: the policy-area taxonomy, the reviewer's overrides and tagging,
on the real rows of every source document."""

import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml

from kb.rules import areas
from kb.records import Recommendation

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import area_agreement  # noqa: E402

CAP_MAJOR_TOPICS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23}


@cache
def taxonomy() -> list[areas.PolicyArea]:
    return areas.read_taxonomy()


@cache
def rows() -> list[Recommendation]:
    return area_agreement.rows_from_sources(ROOT / "sources")


@cache
def labels() -> dict[str, str]:
    return area_agreement.read_labels()


def overrides() -> dict[str, areas.Override]:
    return areas.read_overrides(areas.DEFAULT_OVERRIDES, taxonomy())


def row(rec_id="x/1", title="標題", body="", parent_id=None, section=None) -> Recommendation:
    number = rec_id.split("/", 1)[1]
    return Recommendation(rec_id, "x", number, 1, title, body, 2024, 1, 1, section=section, parent_id=parent_id)


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def taxonomy_entries() -> list[dict]:
    return yaml.safe_load(areas.DEFAULT_TAXONOMY.read_text(encoding="utf-8"))


# --- the taxonomy -----------------------------------------------------------


def test_taxonomy_has_12_to_25_areas_with_unique_snake_case_ids():
    ids = [area.id for area in taxonomy()]
    assert 12 <= len(ids) <= 40
    assert len(set(ids)) == len(ids)
    assert all(area_id.isidentifier() and area_id == area_id.lower() for area_id in ids)


def test_every_area_has_both_names_a_description_terms_and_a_cap_major_topic():
    for area in taxonomy():
        assert area.name_zh and area.name_en and area.description, area.id
        assert area.cap_code in CAP_MAJOR_TOPICS, area.id
        assert area.terms and all(weight > 0 for weight in area.terms.values()), area.id


def test_every_cap_major_topic_but_defence_has_an_area():
    assert {area.cap_code for area in taxonomy()} == CAP_MAJOR_TOPICS - {16}


def test_the_nineteen_first_areas_are_kept_with_their_ids():
    kept = ["industrial_policy", "innovation", "pilot_production", "smart_manufacturing", "digital_transformation",
            "talent", "sme_finance", "branding", "trade", "investment_attraction", "mainland_gba",
            "northern_metropolis", "green_transition", "intellectual_property", "tourism_consumption", "governance",
            "quality_certification", "product_design", "headquarters_supply_chain"]
    assert [area.id for area in taxonomy()][:19] == kept


# --- tagging the real rows --------------------------------------------------


def test_every_real_row_gets_one_primary_and_at_most_three_secondary_areas():
    tags = areas.tag(rows(), taxonomy(), overrides())
    known = {area.id for area in taxonomy()}
    by_row: dict[str, list[areas.AreaTag]] = {r.id: [] for r in rows()}
    for tag in tags:
        by_row[tag.recommendation_id].append(tag)
    for rec_id, row_tags in by_row.items():
        assert sum(t.is_primary for t in row_tags) == 1, rec_id
        assert sum(not t.is_primary for t in row_tags) <= 3, rec_id
        assert len({t.area_id for t in row_tags}) == len(row_tags), rec_id
        assert all(t.area_id in known and t.method in ("rule", "manual") and 0 <= t.score <= 100 for t in row_tags)


def test_every_real_row_is_hand_labelled_with_a_known_area():
    assert set(labels()) == {r.id for r in rows()}
    assert set(labels().values()) <= {area.id for area in taxonomy()}


def test_rule_tags_alone_agree_with_the_hand_labels_on_at_least_90_percent():
    tagged = areas.primary_areas(areas.tag(rows(), taxonomy()))
    assert area_agreement.agreement(labels(), tagged) >= 0.90


def test_with_overrides_agreement_is_at_least_as_high():
    rule = areas.primary_areas(areas.tag(rows(), taxonomy()))
    final = areas.primary_areas(areas.tag(rows(), taxonomy(), overrides()))
    assert area_agreement.agreement(labels(), final) >= area_agreement.agreement(labels(), rule)


def test_overrides_stay_the_exception_and_name_real_rows():
    assert len(overrides()) <= 0.10 * len(rows())
    assert areas.unknown_override_ids(rows(), overrides()) == []


def test_the_agreement_script_reports_both_figures_and_the_override_count(capsys):
    assert area_agreement.main([]) == 0
    out = capsys.readouterr().out
    assert "rule-only agreement:" in out and "agreement with overrides:" in out and "overrides: " in out


# --- rules, fallbacks and overrides on small rows ---------------------------


def test_title_counts_more_than_body():
    tags = areas.tag([row(title="推動中試平台", body="人才 人才 人才")], taxonomy())
    assert areas.primary_areas(tags)["x/1"] == "pilot_production"


def test_simplified_text_matches_a_traditional_term():
    tags = areas.tag([row(title="推动数码转型", body="为中小企数码转型提供资助")], taxonomy())
    assert areas.primary_areas(tags)["x/1"] == "digital_transformation"
    assert "數碼轉型" in next(a for a in taxonomy() if a.id == "digital_transformation").terms


def test_sub_item_without_signal_falls_back_to_its_parent():
    parent = row("x/1", title="建議", body="加快招攬技術人才")
    child = row("x/1.1", title="其他", parent_id="x/1")
    tags = areas.tag([parent, child], taxonomy())
    assert areas.primary_areas(tags) == {"x/1": "talent", "x/1.1": "talent"}
    assert [t.score for t in tags if t.recommendation_id == "x/1.1"] == [0]


def test_row_without_signal_or_parent_gets_no_area():
    assert areas.tag([row(title="其他")], taxonomy()) == []


def test_a_stray_weak_term_is_not_evidence_enough():
    assert areas.tag([row(title="其他", body="本港工業")], taxonomy()) == []


def test_a_heading_takes_the_areas_of_its_sub_items():
    parent = row("x/1", title="其他")
    child = row("x/1.1", title="增加醫院病床", body="縮短病人輪候時間", parent_id="x/1")
    assert areas.primary_areas(areas.tag([parent, child], taxonomy())) == {"x/1": "health", "x/1.1": "health"}


@pytest.mark.parametrize("title,body,expected", [
    ("規管網約車平台", "要求持牌平台的司機及車輛符合安全要求，保障乘客", "transport"),
    ("增建公營房屋", "縮短公屋輪候時間，增加居屋供應", "housing"),
    ("加強長者照顧", "增加安老院舍名額，支援照顧者", "social_welfare"),
    ("打擊網上詐騙", "加強執法，提高罪行刑罰", "law_and_order"),
    ("檢討平台統括保險", "釐清保單理賠責任及保費", "financial_services"),
    ("提高最低工資", "保障僱員工時及勞工權益", "labour"),
])
def test_asks_on_topics_beyond_the_economy_get_their_area(title, body, expected):
    assert areas.primary_areas(areas.tag([row(title=title, body=body)], taxonomy()))["x/1"] == expected


def test_an_override_changes_the_tags_and_is_manual(tmp_path):
    path = write(tmp_path, "overrides.yml", {"x/1": {"primary": "pilot_production", "secondary": ["innovation"]}})
    tags = areas.tag([row(title="加快招攬技術人才")], taxonomy(), areas.read_overrides(path, taxonomy()))
    assert [(t.area_id, t.is_primary, t.method, t.score) for t in tags] == [
        ("pilot_production", True, "manual", 100),
        ("innovation", False, "manual", 100),
    ]


def test_an_override_without_secondary_keeps_the_rules_secondary_areas(tmp_path):
    path = write(tmp_path, "overrides.yml", {"x/1": {"primary": "talent"}})
    tags = areas.tag([row(title="中試 人才 創科")], taxonomy(), areas.read_overrides(path, taxonomy()))
    assert tags[0].area_id == "talent" and tags[0].method == "manual"
    assert all(t.method == "rule" and t.area_id != "talent" for t in tags[1:])


def test_a_real_override_wins_over_the_rule():
    rec_id, override = next(iter(overrides().items()))
    final = areas.primary_areas(areas.tag(rows(), taxonomy(), overrides()))
    assert final[rec_id] == override.primary


def test_an_empty_overrides_file_means_no_overrides(tmp_path):
    assert areas.read_overrides(write(tmp_path, "o.yml", "# nothing yet\n"), taxonomy()) == {}


# --- bad files ----------------------------------------------------------------


def test_override_naming_an_unknown_area_names_the_file_and_the_row(tmp_path):
    path = write(tmp_path, "overrides.yml", {"cma-2023-policy-address/5.3": {"primary": "no_such_area"}})
    with pytest.raises(areas.AreaError, match=r"overrides\.yml: cma-2023-policy-address/5\.3: unknown policy area"):
        areas.read_overrides(path, taxonomy())


@pytest.mark.parametrize("entry", ["talent", {"secondary": ["talent"]}, {"primary": "talent", "secondary": ["a", "b", "c", "d"]},
                                   {"primary": "talent", "secondary": ["talent"]}, {"primary": "talent", "extra": 1}])
def test_malformed_overrides_are_refused(tmp_path, entry):
    path = write(tmp_path, "overrides.yml", {"x/1": entry})
    with pytest.raises(areas.AreaError, match=r"overrides\.yml: x/1"):
        areas.read_overrides(path, taxonomy())


def test_taxonomy_with_too_few_areas_names_the_file(tmp_path):
    path = write(tmp_path, "areas.yml", taxonomy_entries()[:5])
    with pytest.raises(areas.AreaError, match=r"areas\.yml: expected a list of 12-40"):
        areas.read_taxonomy(path)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"name_zh": ""}, "missing name_zh"),
        ({"name_en": None}, "missing name_en"),
        ({"cap_code": "17"}, "cap_code"),
        ({"terms": []}, "terms must be a non-empty list"),
        ({"terms": [{"中試": 0}]}, "bad term"),
        ({"id": "Bad-Id"}, "id must be snake_case"),
    ],
)
def test_bad_taxonomy_entry_names_the_file_and_the_area(tmp_path, change, message):
    entries = taxonomy_entries()
    entries[2].update(change)
    path = write(tmp_path, "areas.yml", entries)
    with pytest.raises(areas.AreaError, match=rf"areas\.yml: area 3 \(.*\): {message}"):
        areas.read_taxonomy(path)


def test_repeated_area_ids_are_refused(tmp_path):
    entries = taxonomy_entries()
    entries[1]["id"] = entries[0]["id"]
    with pytest.raises(areas.AreaError, match=rf"areas\.yml: area ids repeated: {entries[0]['id']}"):
        areas.read_taxonomy(write(tmp_path, "areas.yml", entries))


def test_missing_or_invalid_yaml_names_the_file(tmp_path):
    with pytest.raises(areas.AreaError, match=r"nowhere\.yml: file not found"):
        areas.read_taxonomy(tmp_path / "nowhere.yml")
    with pytest.raises(areas.AreaError, match=r"broken\.yml:\d+: not valid YAML"):
        areas.read_overrides(write(tmp_path, "broken.yml", "a: [unclosed\n"), taxonomy())


def test_terms_are_normalised_once_per_tagging_not_per_row(monkeypatch):
    calls = Counter()
    original = areas.normalize_term
    monkeypatch.setattr(areas, "normalize_term", lambda term: calls.update([term]) or original(term))
    areas.tag([row(f"x/{n}", title="中試") for n in range(1, 6)], taxonomy())
    assert calls and max(calls.values()) == 1


# --- topics beyond the economy: the LegCo submissions --------------------------


@cache
def topic_measures() -> dict[bool, "area_agreement.TopicMeasure"]:
    return area_agreement.measure_topics()


def test_every_labelled_submission_row_is_found_by_its_quote_with_known_areas():
    entries = yaml.safe_load(area_agreement.SUBMISSION_LABELS.read_text(encoding="utf-8"))
    known = {area.id for area in taxonomy()}
    assert all(set(row["areas"]) <= known for entry in entries.values() for row in entry["rows"])
    assert (topic_measures()[False].rows, topic_measures()[True].rows) == (31, 9)


def test_on_the_dev_submissions_the_primary_area_agrees_on_90_percent_and_tags_find_most_labelled_areas():
    dev = topic_measures()[False]
    assert (dev.primary_agreed, dev.rows) == (28, 31)
    assert (dev.both, dev.labelled_areas, dev.tagged_areas) == (39, 44, 50)


def test_on_the_held_out_submissions_the_figures_are_the_ones_reported():
    held_out = topic_measures()[True]
    assert (held_out.primary_agreed, held_out.rows) == (6, 9)
    assert (held_out.both, held_out.labelled_areas, held_out.tagged_areas) == (11, 15, 13)


def test_the_agreement_script_reports_the_submissions_dev_and_held_out_apart(capsys):
    assert area_agreement.main([]) == 0
    out = capsys.readouterr().out
    assert "dev:      31 rows: primary 28/31 = 90.3%" in out and "held out: 9 rows: primary 6/9 = 66.7%" in out
