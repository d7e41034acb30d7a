"""Small synthetic submissions as PDFs, each varying one trait of how asks
are set out, for the generic loader's tests and scripts/generic_accuracy.py.

A baseline submission (a title, an opening paragraph, three asks under
bold headings numbered 一、二、三、, the publisher and date at the foot) is
printed by headless Chromium; every other PDF changes one thing about it:
headings bold without numbers, underlined or in larger type; a
conclusion; five asks in one section as （一）…（五）, as bullets or as
sentences; a cover letter then an annex; a two-column table; numbered
and unnumbered headings mixed; a statement of support; an introduction
and background.  Two invented topics alternate, so that no wording is
shared by every PDF.

The asks each PDF holds are not written here: they are labelled by
reading the printed PDFs, in tests/generated/asks.yml.

The type is Noto Serif CJK TC, regular and bold, subset and converted to
TrueType as scripts/make_speech_pdfs.py does, so that the bold face's
name (…-Bold) is what a reader of the PDF sees.

    pip install -e '.[speech-pdfs]'                 # fontTools, for the fonts
    python scripts/make_submission_pdfs.py          # writes tests/generated/
    python scripts/make_submission_pdfs.py --only baseline conclusion
"""

import html
from pathlib import Path

from make_speech_pdfs import arguments, print_pdf

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "generated"
SERIF = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK TC")
SERIF_BOLD = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", "Noto Serif CJK TC")
FONTS = {"regular": SERIF, "bold": SERIF_BOLD}  # the faces the pages name, by file
CN = "一二三四五六七八九十"

STYLE = """
@page { size: A4; margin: 30mm 28mm 30mm 28mm; }
@font-face { font-family: "body"; src: url(regular.ttf); font-weight: 400; }
@font-face { font-family: "body"; src: url(bold.ttf); font-weight: 700; }
body { font-family: "body"; font-size: 14pt; line-height: 2.6; text-align: justify; }
h1 { font-size: 16pt; font-weight: 700; text-align: center; margin: 0 0 1em; }
h2 { font-size: 12pt; font-weight: 700; margin: 1.2em 0 0.3em; }
h2.underline { font-weight: 400; text-decoration: underline; }
h2.larger { font-size: 18pt; font-weight: 400; }
h2.plain { font-weight: 400; }
p { margin: 0 0 0.6em; text-indent: 2em; }
p.item { text-indent: 0; padding-left: 2em; }
p.right { text-align: right; text-indent: 0; margin: 0; }
p.left { text-indent: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; }
td, th { border: 0.8pt solid black; padding: 3pt 6pt; vertical-align: top; width: 50%; font-weight: 400; }
.break { break-before: page; }
"""

# Two invented topics: each a title, an opening, three asks (a heading and
# a paragraph that asks), five asks of one section, a statement of
# support, background, a table and a conclusion.
TOPICS = {
    "care": {
        "publisher": "香港長者服務聯盟",
        "title": "就安老服務發展提交的意見書",
        "opening": "本聯盟感謝立法會福利事務委員會邀請各界就安老服務未來發展提交意見。本聯盟服務全港長者逾三十年，現就以下範疇提出意見，供委員會及當局參考。",
        "asks": [
            ("增加資助院舍宿位", "輪候資助院舍的長者平均需時逾兩年，不少長者在輪候期間離世。本聯盟建議政府於未來五年增加最少五千個資助宿位，並在新發展區預留土地興建院舍。"),
            ("擴大社區照顧服務券", "社區照顧服務券讓長者按需要選擇服務，成效良好。政府應將服務券名額增加一倍，並容許長者使用服務券購買復康及陪診服務。"),
            ("培訓及挽留護理人員", "業界人手長期短缺，流失率高企。本聯盟促請當局設立護理人員專業階梯，提供在職培訓津貼，並檢討外地護理員輸入計劃的配額。"),
        ],
        "five": ("支援照顧者", [
            "設立照顧者津貼，每月金額不少於三千元",
            "在各區設立照顧者支援中心，提供暫託服務",
            "為在職照顧者爭取彈性工作安排的法定保障",
            "設立二十四小時照顧者支援熱線",
            "定期進行全港照顧者需要調查並公布結果",
        ]),
        "support": ("支持政府推動居家安老", "本聯盟整體上認同政府「居家安老為本，院舍照顧為後援」的政策方向，亦歡迎當局近年增撥資源發展社區照顧服務。這方向符合長者意願，值得肯定。"),
        "background": ("背景", "香港人口急速老化，預計到二零四六年，六十五歲或以上人士將佔總人口三成半。現時安老服務的需求遠超供應，院舍輪候時間長，社區服務亦未能覆蓋所有有需要的長者。"),
        "table": [("現時安排", "本聯盟的建議"), ("服務券名額約一萬二千個", "名額增加一倍"), ("只可購買日間護理服務", "可購買復康及陪診服務")],
        "conclusion": "總括而言，本聯盟促請政府增加資助宿位、擴大服務券及培訓護理人員，以回應人口老化的挑戰。",
        "new_ask": "此外，本聯盟建議設立安老事務專員，統籌跨部門的長者政策。",
        "reference": "HKESA/2031/03",
        "longer": "以回應人口老化帶來的服務需求，並縮短長者及其家人在輪候期間所承受的壓力和不確定性",
        "context": "本聯盟的前線同工每日接觸大量長者及其家人，深切了解他們在輪候服務期間面對的困難。",
        "stress": "長者的需要刻不容緩。",
        "date": "二零三一年三月十八日",
        "meeting": "委員會將於二零三一年四月二日舉行會議討論安老服務。",
    },
    "waste": {
        "publisher": "綠色社區行動",
        "title": "對廢物回收政策的建議書",
        "opening": "綠色社區行動是一個關注本地環境的非牟利團體。就政府檢討廢物回收政策，本會諮詢了區內居民及回收業界，現提出以下建議。",
        "asks": [
            ("擴展社區回收網絡", "現時回收點分布不均，新界北等地區居民須步行半小時才能到達。本會建議政府於每個屋苑附近設立回收點，並延長回收站的開放時間至晚上十時。"),
            ("推行廚餘收集", "廚餘佔都市固體廢物約三成。政府應在公共屋邨全面推行廚餘收集，並於三年內擴展至私人住宅。"),
            ("支援回收業界", "回收業經營困難，租金及人手成本高昂。本會要求當局以短期租約提供用地予回收商，並設立回收基金資助業界購置設備。"),
        ],
        "five": ("提高市民參與", [
            "在每個區議會選區舉辦回收教育活動",
            "將回收納入中小學課程",
            "設立回收積分計劃並擴大可換領的禮品種類",
            "公布各區回收率以鼓勵良性競爭",
            "為大廈管理公司提供回收培訓",
        ]),
        "support": ("支持都市固體廢物收費", "本會認同都市固體廢物收費的方向，並歡迎政府落實「污者自付」原則。收費有助市民減少棄置廢物，本會對此表示支持。"),
        "background": ("背景", "香港每日棄置的都市固體廢物超過一萬一千公噸，堆填區即將飽和。過去十年，本地回收率一直徘徊在三成左右，遠低於鄰近城市。"),
        "table": [("現時安排", "本會的建議"), ("回收站晚上七時關閉", "延長至晚上十時"), ("廚餘收集只限部分屋邨", "三年內擴展至私人住宅")],
        "conclusion": "總結而言，本會希望政府擴展回收網絡、推行廚餘收集及支援回收業界，令香港邁向零廢堆填。",
        "new_ask": "此外，本會建議立法規定大型商場設置膠樽回收機。",
        "reference": "GCA-2031-05",
        "longer": "讓全港市民都能在住所附近方便地參與源頭分類及回收，並逐步建立珍惜資源的社區文化",
        "context": "本會於過去一年在區內進行問卷調查，收集了逾千名居民對回收安排的意見。",
        "stress": "減廢回收刻不容緩，每一位市民都責無旁貸。",
        "date": "2031年5月20日",
        "meeting": "環境事務委員會將於2031年6月3日舉行會議。",
    },
}


def heading(text: str, style: str = "bold") -> str:
    return f'<h2 class="{style}">{html.escape(text)}</h2>'


def paragraph(text: str, kind: str = "") -> str:
    return f'<p class="{kind}">{html.escape(text)}</p>' if kind else f"<p>{html.escape(text)}</p>"


def asks_html(topic: dict, style: str = "bold", numbered: bool = True, first: int = 0) -> list[str]:
    parts = []
    for place, (title, body) in enumerate(topic["asks"]):
        label = f"{CN[first + place]}、{title}" if numbered else title
        parts += [heading(label, style), paragraph(body)]
    return parts


def five_html(topic: dict, form: str, number: int) -> list[str]:
    """A section of five asks: （一）…（五）, bullets, or sentences."""
    title, items = topic["five"]
    parts = [heading(f"{CN[number]}、{title}"), paragraph("本會就此提出五項建議。" if form != "sentences" else "")]
    if form == "cn":
        parts += [paragraph(f"（{CN[k]}）{item}；" if k < 4 else f"（{CN[k]}）{item}。", "item") for k, item in enumerate(items)]
    elif form == "bullets":
        parts += [paragraph(f"• {item}。", "item") for item in items]
    else:
        verbs = ["本會建議政府", "當局應", "本會促請政府", "政府必須", "本會亦要求當局"]
        parts[-1] = paragraph("".join(f"{verb}{item}。" for verb, item in zip(verbs, items)))
    return [part for part in parts if part != "<p></p>"]


def signature(topic: dict) -> list[str]:
    return [paragraph(topic["publisher"], "right"), paragraph(topic["date"], "right")]


def document(topic: dict, body: list[str], reference: bool = False) -> str:
    head = f'<h1>{html.escape(topic["publisher"])}<br>{html.escape(topic["title"])}</h1>'
    if reference:  # a file reference printed above the title
        head = paragraph(f"本會檔號：{topic['reference']}", "right") + head
    return f'<!doctype html><html><head><meta charset="utf-8"><style>{STYLE}</style></head><body>{head}{"".join(body)}</body></html>'


def baseline(topic: dict) -> list[str]:
    return [paragraph(topic["opening"]), *asks_html(topic), *signature(topic)]


def _cover_letter(topic: dict) -> list[str]:
    return [
        paragraph("立法會秘書處", "left"), paragraph("敬啟者：", "left"),
        paragraph(f"{topic['publisher']}謹附上本會{topic['title'].removeprefix('就').removeprefix('對')}，請轉交各委員參閱。如有垂詢，歡迎與本會聯絡。"),
        paragraph("此致", "left"), paragraph("立法會秘書處", "left"), *signature(topic),
        '<div class="break"></div>', heading("附件", "plain"),
    ]


def wrapped_html(topic: dict) -> list[str]:
    """Bold headings long enough to wrap onto a second line."""
    parts = []
    for title, body in topic["asks"]:
        parts += [heading(f"{title}，{topic['longer']}"), paragraph(body)]
    return parts


def numbered_paragraphs_html(topic: dict) -> list[str]:
    """Bold headings without numbers over paragraphs numbered 1. 2. … through the document."""
    parts, number = [], 0
    for title, body in topic["asks"]:
        number += 1
        parts += [heading(title), paragraph(f"{number}. {topic['context']}", "item")]
        number += 1
        parts.append(paragraph(f"{number}. {body}", "item"))
    return parts


def emphasis_html(topic: dict) -> list[str]:
    """Bold headings without numbers, and a bold sentence inside a paragraph's run."""
    parts = asks_html(topic, numbered=False)
    return parts[:2] + [f'<p><b>{html.escape(topic["stress"])}</b></p>'] + parts[2:]


# Each PDF: its topic and its body, which differs from the baseline in one trait.
TRAITS = {
    "baseline": ("care", lambda t: baseline(t)),
    "baseline-waste": ("waste", lambda t: baseline(t)),
    "bold-unnumbered": ("waste", lambda t: [paragraph(t["opening"]), *asks_html(t, numbered=False), *signature(t)]),
    "bold-unnumbered-care": ("care", lambda t: [paragraph(t["opening"]), *asks_html(t, numbered=False), *signature(t)]),
    "underlined-headings": ("care", lambda t: [paragraph(t["opening"]), *asks_html(t, "underline", numbered=False), *signature(t)]),
    "larger-headings": ("waste", lambda t: [paragraph(t["opening"]), *asks_html(t, "larger", numbered=False), *signature(t)]),
    "conclusion": ("care", lambda t: [*baseline(t)[:-2], heading("四、結語"), paragraph(t["conclusion"]), *signature(t)]),
    "conclusion-new-ask": ("care", lambda t: [*baseline(t)[:-2], heading("四、總結"), paragraph(t["conclusion"] + t["new_ask"]), *signature(t)]),
    "conclusion-unnumbered": ("waste", lambda t: [*baseline(t)[:-2], heading("總結"), paragraph(t["conclusion"]), *signature(t)]),
    "five-asks-cn": ("waste", lambda t: [*baseline(t)[:-2], *five_html(t, "cn", 3), *signature(t)]),
    "five-asks-bullets": ("care", lambda t: [*baseline(t)[:-2], *five_html(t, "bullets", 3), *signature(t)]),
    "five-asks-sentences": ("waste", lambda t: [*baseline(t)[:-2], *five_html(t, "sentences", 3), *signature(t)]),
    "cover-letter-annex": ("care", lambda t: [*_cover_letter(t), *asks_html(t, numbered=False)]),
    "two-column-table": ("waste", lambda t: [*baseline(t)[:-2], "<table>" + "".join(
        f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>" for a, b in t["table"]) + "</table>", *signature(t)]),
    "mixed-headings": ("care", lambda t: [paragraph(t["opening"]), heading("前言"), paragraph(t["background"][1]),
                                          *asks_html(t)[:4], heading(t["asks"][2][0]), paragraph(t["asks"][2][1]),
                                          heading("結語"), paragraph(t["conclusion"]), *signature(t)]),
    "statement-of-support": ("waste", lambda t: [paragraph(t["opening"]), heading(f"一、{t['support'][0]}"), paragraph(t["support"][1]),
                                                 *asks_html(t, first=1), *signature(t)]),
    "introduction-background": ("care", lambda t: [heading("引言"), paragraph(t["opening"]), heading(t["background"][0]),
                                                   paragraph(t["background"][1]), *asks_html(t, numbered=False), *signature(t)]),
    "wrapped-headings": ("waste", lambda t: [paragraph(t["opening"]), *wrapped_html(t), *signature(t)]),
    "numbered-paragraphs": ("care", lambda t: [paragraph(t["opening"]), *numbered_paragraphs_html(t), *signature(t)]),
    "bold-sentence": ("waste", lambda t: [paragraph(t["opening"]), *emphasis_html(t), *signature(t)]),
    "five-asks-bullets-waste": ("waste", lambda t: [*baseline(t)[:-2], *five_html(t, "bullets", 3), *signature(t)]),
    "cover-letter-annex-waste": ("waste", lambda t: [*_cover_letter(t), *asks_html(t, numbered=False)]),
    "reference-line": ("waste", lambda t: [paragraph(t["opening"]), *asks_html(t, numbered=False), *signature(t)]),
    "meeting-date": ("waste", lambda t: [paragraph(t["opening"] + t["meeting"]), *asks_html(t), *signature(t)]),
    "support-unnumbered": ("care", lambda t: [paragraph(t["opening"]), heading(t["support"][0]), paragraph(t["support"][1]),
                                              *asks_html(t, numbered=False), *signature(t)]),
}


def main() -> None:
    given = arguments(__doc__, OUT, TRAITS)
    for name in given.only or TRAITS:
        topic_name, body = TRAITS[name]
        topic = TOPICS[topic_name]
        page = document(topic, body(topic), reference=name.startswith("reference-line"))
        print_pdf(page, given.out / f"{name}.pdf", given.chromium, FONTS, "submission.html", more_text="0123456789")
        print(f"{name}.pdf")


if __name__ == "__main__":
    main()
