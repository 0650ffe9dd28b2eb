"""ipm_analysis.ingest: decoding, script conversion, boilerplate removal, page-break rejoining."""
from __future__ import annotations

import itertools
import re

import pytest

from ipm_analysis import ingest
from ipm_analysis.diagnostics import InputError
from ipm_analysis.ingest import (collapse_whitespace, decode, normalise, read_manifest, to_simplified,
                                 unify_punctuation)


@pytest.mark.parametrize("text, expected", [
    ("(公安部负责)", "（公安部负责）"),
    ("网际协议地址(IP地址),域名", "网际协议地址（IP地址），域名"),
    ("1,000个", "1,000个"),          # digit grouping stays
    ("12:30开始", "12:30开始"),      # clock time stays
])
def test_unify_punctuation(text, expected):
    assert unify_punctuation(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("\u00a0\u00a0\u00a0 （一）开展", "（一）开展"),   # 2012 indentation: no-break spaces
    ("研发应用技术措施， 加强", "研发应用技术措施，加强"),   # Qingdao: stray space after a comma
    ("2021年全国打击侵犯知识产权和 制售假冒", "2021年全国打击侵犯知识产权和制售假冒"),  # 2021 title
    ("APP 应用", "APP应用"),
    ("word one", "word one"),                           # spaces between Latin words stay
])
def test_collapse_whitespace(text, expected):
    assert collapse_whitespace(text) == expected


@pytest.mark.parametrize("script, text, expected", [
    ("zh-Hant", "國務院辦公廳關于印發", "国务院办公厅关于印发"),
    ("zh-Hant-TW", "加強網際網路侵權假冒治理", "加强互联网侵权假冒治理"),
    ("zh-Hant-TW", "法務部牽頭", "司法部牵头"),
    ("zh-Hant-TW", "規範案件信息管理和套用", "规范案件信息管理和应用"),
    ("zh-Hant-TW", "整合各類舉報投訴連線埠", "整合各类举报投诉端口"),
    ("zh-Hant-TW", "嚴格著作權保護", "严格著作权保护"),   # 著作权 is not 着作权
    ("zh-Hant-TW", "建立健全", "建立健全"),               # tw2sp would turn this into 创建健全
    ("zh-Hans", "网络", "网络"),
])
def test_to_simplified(script, text, expected):
    assert to_simplified(text, script=script) == expected


def test_pinyin_removed_real_brackets_kept():
    raw = "一、治理(lǐ)\n（一）加強網站(zhàn)備案、網際協議地址(IP地址)、中巴(西)合作(zuò)。\n"
    norm = normalise(raw, doc_id="x", file="x.txt", script="zh-Hant")
    assert "（IP地址）" in norm.body and "中巴（西）" in norm.body
    assert "lǐ" not in norm.body and "zhàn" not in norm.body
    removed = [r["removed"] for r in norm.removals if r["rule"] == "pinyin_annotation"]
    assert removed == ["(lǐ)", "(zhàn)", "(zuò)"]


def test_decode_errors_name_the_file():
    with pytest.raises(InputError, match="empty.txt: file is empty"):
        decode(b"  \n", "empty.txt")
    with pytest.raises(InputError, match="bin.txt:1: file looks binary"):
        decode(b"\x00\x01\x02abc", "bin.txt")
    with pytest.raises(InputError, match="late.txt:3: file looks binary"):   # anywhere, not only in the first 4 KB
        decode("一、总则\n".encode() * 2 + "（一）任务。".encode() * 1000 + b"\x00", "late.txt")


def test_decode_bom_and_crlf():
    text, diags = decode("\ufeff一、总则\r\n（一）任务。\r\n".encode("utf-8"), "bom.txt")
    assert text == "一、总则\n（一）任务。\n" and diags == []


def test_decode_gbk_is_detected_and_reported():
    data = ("2019年全国打击侵犯知识产权和制售假冒伪劣商品工作要点\n一、深化重点领域治理\n"
            "（一）加强互联网领域侵权假冒治理。依法严厉打击侵权假冒违法犯罪行为。（公安部负责）\n" * 3
            ).encode("gbk")
    text, diags = decode(data, "gbk.txt")
    assert "知识产权" in text
    assert [d.code for d in diags] == ["not_utf8"]
    assert diags[0].file == "gbk.txt" and "save the file as UTF-8" in diags[0].message


def test_manifest_real():
    manifest, diags = read_manifest()
    assert diags == []
    assert manifest["doc_id"].tolist() == ["2012_national", "2017_national", "2018_qingdao", "2020_national",
                                           "2021_national"]
    assert manifest.set_index("doc_id").loc["2017_national", "script"] == "zh-Hant"


# ---- real corpus: what normalisation removed and kept -------------------------------------------------------

def test_titles(corpus):
    titles = corpus.documents.set_index("doc_id")["title"]
    assert titles["2012_national"] == "2012年全国打击侵犯知识产权和制售假冒伪劣商品工作要点"
    assert titles["2018_qingdao"] == "2018年青岛市打击侵犯知识产权和制售假冒伪劣商品工作要点"
    assert titles["2020_national"] == "2020年全国打击侵犯知识产权和制售假冒伪劣商品工作要点"
    assert titles["2021_national"] == "2021年全国打击侵犯知识产权和制售假冒伪劣商品工作要点"


def test_boilerplate_removed(corpus):
    text = corpus.documents.set_index("doc_id")["text"]
    assert "国务院办公厅" not in text["2017_national"]          # cover notice
    assert text["2017_national"].startswith("2017年全国打击侵犯")
    assert "档案解读" not in text["2020_national"] and "一是深化" not in text["2020_national"]  # wiki summary
    assert "相关词条" not in text["2020_national"]                # wiki footer
    assert "当前位置" not in text["2018_qingdao"] and "扫码关注" not in text["2018_qingdao"]
    assert "#" not in text["2021_national"]
    assert "电商刷单炒信" in text["2021_national"]                 # word split by a page break, rejoined
    assert "各地根据《2021年全国打击侵犯知识产权和制售假冒伪劣商品工作要点》" in text["2021_national"]
    assert "智慧财产" not in text["2020_national"] and "互联网侵权假冒治理" in text["2020_national"]


def test_removals_logged(corpus):
    counts = corpus.removals.groupby(["doc_id", "rule"]).size()
    assert counts[("2017_national", "pinyin_annotation")] == 696
    assert counts[("2017_national", "cover_notice")] == 8
    assert counts[("2020_national", "wiki_summary")] == 10
    assert counts[("2021_national", "page_break_join")] == 10
    assert counts[("2021_national", "markdown_heading")] == 27
    assert counts[("2018_qingdao", "web_footer")] == 4


def test_stated_counts(corpus):
    docs = corpus.documents.set_index("doc_id")
    assert docs.loc["2020_national", "stated_sections"] == 7
    assert docs.loc["2020_national", "stated_tasks"] == 35
    assert docs["stated_tasks"].isna().sum() == 4


@pytest.mark.parametrize("fast, readable, alphabet", [
    # ingest.py writes these led by a literal or \s so that re can skip ahead; here is what they mean.
    (ingest._COMMA_RE, r"(?<![0-9]),|,(?![0-9])", ",1a:\n"),
    (ingest._COLON_RE, r"(?<![0-9]):|:(?![0-9])", ":1a,\n"),
    (ingest._SPACE_NEAR_CJK_RE, rf"(?<=[{ingest.CJK}])\s+|\s+(?=[{ingest.CJK}])", " \u3000中a\t\x0b"),
    (ingest.load_rules()["pinyin_re"], r"(?<=[\u3400-\u9fff])\((?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])"
                                       r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)", "和(hé)a\n"),
])
def test_fast_regexes_match_their_readable_form(fast, readable, alphabet):
    """Same matches on every string of up to 6 characters from an alphabet covering each case."""
    slow = re.compile(readable)
    for n in range(7):
        for chars in itertools.product(alphabet, repeat=n):
            text = "".join(chars)
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)], text


@pytest.mark.parametrize("raw, removed", [
    ("一、治理\n（一）加強國際(jì)合作，會(huì )商機制。\n", ["(jì)", "(huì )"]),   # a space before the close
    ("一、治理\n（一）加強國際 (jì)合作。\n", ["(jì)"]),                        # a space before the bracket
])
def test_pinyin_with_spaces_removed(raw, removed):
    norm = normalise(raw, doc_id="x", file="x.txt", script="zh-Hant")
    assert [r["removed"] for r in norm.removals if r["rule"] == "pinyin_annotation"] == removed
    assert "(" not in norm.body and "（j" not in norm.body and "（h" not in norm.body
    assert "加强国际合作" in norm.body


def test_question_mark_inside_a_word_is_reported():
    from ipm_analysis.ingest import damage

    text = "一、加强知识产权保护\n（一）严厉打击侵权假冒违法犯?行为。是否到位?\n（二）加?执法协作。\n"
    [diag] = damage(text, "x.txt", "zh-Hant")
    assert (diag.code, diag.line) == ("replacement_character", 2)
    assert "'?' between Chinese characters" in diag.message and "(2 in the file)" in diag.message
