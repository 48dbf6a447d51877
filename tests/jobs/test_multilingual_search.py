"""Search in every language: one table of (text, query, must match), run on SQLite and
on PostgreSQL (the suite's second pass) with the same expected result sets; the same
for courses and for the region and city filters."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

import pytest

from empower_api.searchtext import fold, index_text, place_key, query_terms, words
from tests.factories.jobs import make_employer, make_job
from tests.factories.training import make_course

API = "/api/v1"

POLISH = "Kucharz w restauracji, Łódź"
VIETNAMESE = "Nhân viên phục vụ tại Đà Nẵng"
NORWEGIAN = "Lagerarbeider i Tromsø"
TURKISH_IZMIR = "Aşçı yardımcısı, İzmir"
TURKISH_DOTLESS = "Kapı görevlisi, Diyarbakır"
GERMAN = "Bäckerei sucht Verkäufer, Straße der Einheit"
CHINESE = "招聘面包师"
JAPANESE = "パン屋のスタッフ募集（東京）"
THAI = "พนักงานทำความสะอาด กรุงเทพ"
ARABIC = "مطلوب طبّاخ في المطعم"
ARABIC_ALEF = "إدارة الفندق"
FRENCH = "Serveuse à Besançon, crème brûlée"
SPANISH = "Niñera en Cádiz, año completo"
KOREAN = "서울에서 바리스타 모집"

# (posting title, q, must match). For each q, the postings of this corpus it finds are
# exactly those with a True row: every other posting must not match.
TABLE: list[tuple[str, str, bool]] = [
    (POLISH, "lodz", True), (POLISH, "ŁÓDŹ", True), (POLISH, "kucharz", True),
    (POLISH, "lodzkie", False),
    (VIETNAMESE, "da nang", True), (VIETNAMESE, "Đà Nẵng", True), (VIETNAMESE, "phuc vu", True),
    (VIETNAMESE, "nhan vien", True), (VIETNAMESE, "hanoi", False),
    (NORWEGIAN, "tromso", True), (NORWEGIAN, "TROMSØ", True), (NORWEGIAN, "tromsoe", False),
    (TURKISH_IZMIR, "izmir", True), (TURKISH_IZMIR, "İZMİR", True), (TURKISH_IZMIR, "IZMIR", True),
    (TURKISH_IZMIR, "asci", True), (TURKISH_IZMIR, "aşçı", True),
    (TURKISH_DOTLESS, "diyarbakir", True), (TURKISH_DOTLESS, "DİYARBAKIR", True),
    (TURKISH_DOTLESS, "kapi", True), (TURKISH_DOTLESS, "KAPI", True),
    (GERMAN, "strasse", True), (GERMAN, "straße", True), (GERMAN, "STRASSE", True),
    (GERMAN, "backerei", True), (GERMAN, "bäckerei", True), (GERMAN, "verkaufer", True),
    (GERMAN, "strase", False),
    (CHINESE, "面包师", True), (CHINESE, "面包", True), (CHINESE, "面", True),
    (CHINESE, "招聘", True), (CHINESE, "师傅", False), (CHINESE, "包子", False),
    (JAPANESE, "スタッフ", True), (JAPANESE, "東京", True), (JAPANESE, "ﾊﾟﾝ", True),
    (JAPANESE, "パン屋", True), (JAPANESE, "寿司", False),
    (THAI, "ทำความสะอาด", True), (THAI, "กรุงเทพ", True), (THAI, "พนักงาน", True),
    (THAI, "ร้านอาหาร", False),
    (ARABIC, "مطعم", True), (ARABIC, "المطعم", True), (ARABIC, "طباخ", True),
    (ARABIC, "طَبَّاخ", True), (ARABIC, "مطـــلوب", True), (ARABIC, "سائق", False),
    (ARABIC_ALEF, "ادارة", True), (ARABIC_ALEF, "أدارة", True), (ARABIC_ALEF, "فندق", True),
    (ARABIC_ALEF, "الفندق", True),
    (FRENCH, "besancon", True), (FRENCH, "creme brulee", True), (FRENCH, "BRÛLÉE", True),
    (FRENCH, "serveur", False),
    (SPANISH, "ninera", True), (SPANISH, "cadiz", True), (SPANISH, "año", True),
    (SPANISH, "nino", False),
    (KOREAN, "서울", True), (KOREAN, "바리스타", True), (KOREAN, "부산", False),
]
CORPUS = list(dict.fromkeys(text for text, _q, _match in TABLE))


def expected_by_query(table: list[tuple[str, str, bool]]) -> dict[str, set[str]]:
    expected: dict[str, set[str]] = defaultdict(set)
    for text, q, must_match in table:
        expected[q] |= {text} if must_match else set()
    return expected


def found(client, path: str, **params: str) -> set[str]:
    response = client.get(f"{API}/{path}?{urlencode({**params, 'limit': 100})}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["title"] for item in response.get_json()["items"]}


@pytest.fixture
def postings(session):
    employer = make_employer(session, name="Acme")
    for title in CORPUS:
        make_job(session, employer, title=title, description="Details on request.")
    session.commit()


@pytest.mark.parametrize(("q", "expected"), sorted(expected_by_query(TABLE).items()))
def test_every_language_finds_exactly_its_postings(client, postings, q, expected):
    assert found(client, "jobs", q=q) == expected


def test_the_table_covers_ten_languages_with_negative_rows():
    assert len(CORPUS) >= 13
    assert sum(1 for _t, _q, must in TABLE if not must) >= 10


@pytest.mark.parametrize(("raw", "folded"), [
    ("Łódź", "lodz"), ("Đà Nẵng", "da nang"), ("Tromsø", "tromso"), ("İSTANBUL", "istanbul"),
    ("ışık", "isik"), ("Straße", "strasse"), ("ẞ", "ss"), ("Æble Œuvre", "aeble oeuvre"),
    ("ｐａｎ", "pan"), ("ﬁle", "file"), ("٣ ๓", "3 3"), ("أحمد إسلام آمنة", "احمد اسلام امنه"),
    ("مُـدَرِّسة", "مدرسه"), ("ى", "ي"), ("Café", "cafe"), ("Москва ё", "москва е"),
])
def test_fold_transliterates_latin_and_folds_other_scripts(raw, folded):
    assert fold(raw) == folded


def test_unspaced_scripts_are_indexed_by_characters_and_pairs():
    assert index_text("招聘面包师") == "招 招聘 聘 聘面 面 面包 包 包师 师"
    assert [t.text for t in query_terms("面包师")] == ["面包", "包师"]
    assert [(t.text, t.prefix) for t in query_terms("面 baker")] == [("面", False), ("baker", True)]
    # Thai marks stay with their letter, in the index and in FTS5's tokens alike.
    assert index_text("ที่") == "ที่"
    assert words("招聘 baker") == ["招聘", "baker"]


def test_arabic_words_are_also_indexed_without_their_article():
    assert index_text("المطعم") == "المطعم مطعم"
    assert [t.text for t in query_terms("المطعم")] == ["مطعم"]
    assert index_text("ال") == "ال"  # too short to be an article


def test_a_long_unspaced_query_counts_as_one_word():
    assert len(query_terms("面" * 200)) == 1
    assert len(query_terms("".join(chr(0x4E00 + i) for i in range(60)))) == 32


PLACES = [
    ("Đà Nẵng", "Hải Châu"), ("Łódzkie", "Łódź"), ("Troms og Finnmark", "Tromsø"),
    ("İzmir", "Karşıyaka"), ("Île-de-France", "Paris"), ("東京都", "新宿区"),
]
# (filter, value, the region of the postings it must find; None: none).
PLACE_TABLE = [
    ("region", "Da Nang", "Đà Nẵng"), ("region", "da nang", "Đà Nẵng"),
    ("region", "ĐÀ NẴNG", "Đà Nẵng"), ("city", "hai chau", "Đà Nẵng"),
    ("city", "lodz", "Łódzkie"), ("region", "LODZKIE", "Łódzkie"),
    ("city", "tromso", "Troms og Finnmark"), ("region", "troms-og-finnmark", "Troms og Finnmark"),
    ("region", "IZMIR", "İzmir"), ("city", "karsiyaka", "İzmir"),
    ("region", "ile de france", "Île-de-France"), ("region", "東京都", "東京都"),
    ("city", "新宿区", "東京都"),
    ("region", "Da", None), ("city", "Lodzkie", None), ("region", "troms", None),
    ("region", "東京", None),
]


@pytest.fixture
def placed(session):
    employer = make_employer(session, name="Acme")
    for region, city in PLACES:
        make_job(session, employer, title=f"Work in {region}", region=region, city=city)
    session.commit()


@pytest.mark.parametrize(("name", "value", "region"), PLACE_TABLE)
def test_region_and_city_filters_fold_like_search(client, placed, name, value, region):
    expected = {f"Work in {region}"} if region else set()
    assert found(client, "jobs", **{name: value}) == expected


def test_place_keys_fold_like_search():
    assert place_key("Đà Nẵng") == place_key("da-nang") == "da nang"


COURSE_TABLE: list[tuple[str, str, bool]] = [
    ("Sécurité à Łódź", "lodz", True), ("Sécurité à Łódź", "securite", True),
    ("面包制作入门", "面包", True), ("面包制作入门", "制作", True), ("面包制作入门", "蛋糕", False),
    ("การดูแลผู้สูงอายุ", "ดูแล", True), ("การดูแลผู้สูงอายุ", "ทำอาหาร", False),
    ("دورة الطبخ", "طبخ", True), ("دورة الطبخ", "الطبخ", True),
    ("Deutsch für die Straße", "strasse", True), ("Deutsch für die Straße", "fur", True),
    ("Sécurité à Łódź", "strasse", False),
]


@pytest.mark.parametrize(("q", "expected"), sorted(expected_by_query(COURSE_TABLE).items()))
def test_courses_use_the_same_normaliser(client, session, q, expected):
    for title in dict.fromkeys(text for text, _q, _m in COURSE_TABLE):
        make_course(session, title=title, description="Details on request.",
                    skills=["teamwork"], provider="Open Door")
    session.commit()
    assert found(client, "courses", q=q) == expected
