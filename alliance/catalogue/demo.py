"""Demo titles: about 1,200 books with valid 978-7 ISBNs across the reading month's categories."""

import random
from datetime import date

from stdnum import ean
from stdnum import isbn as stdnum_isbn

from alliance.catalogue.models import Contributor, Title, search_key
from alliance.extensions import db
from alliance.members.models import Organisation

# (CLC class, Chinese subjects, English subjects) for the three reading-month categories.
CATEGORIES = {
    "social_sciences": [
        ("C91", ["社会学", "城市", "乡村", "家庭"], ["Sociology", "Cities", "Villages", "Family"]),
        ("D6", ["中国政治", "基层治理"], ["Chinese Politics", "Local Governance"]),
        ("F12", ["中国经济", "数字经济", "电子商务"],
         ["Chinese Economy", "Digital Economy", "E-commerce"]),
        ("K20", ["中国历史", "丝绸之路", "长城"],
         ["Chinese History", "The Silk Road", "The Great Wall"]),
        ("B2", ["中国哲学", "儒家思想"], ["Chinese Philosophy", "Confucian Thought"]),
    ],
    "literature_and_art": [
        ("I247.5", ["长篇小说", "故乡", "山河"], ["Novel", "Hometown", "Mountains and Rivers"]),
        ("I227", ["诗歌", "唐诗", "宋词"], ["Poetry", "Tang Poems", "Song Lyrics"]),
        ("I266", ["散文", "随笔"], ["Essays", "Notes"]),
        ("J212", ["中国画", "山水画"], ["Chinese Painting", "Landscape Painting"]),
        ("J292", ["书法", "篆刻"], ["Calligraphy", "Seal Carving"]),
    ],
    "teaching_aids": [
        ("G624", ["小学语文", "小学数学"], ["Primary Chinese", "Primary Mathematics"]),
        ("G634", ["中学物理", "中学化学", "中学英语"],
         ["Secondary Physics", "Secondary Chemistry", "Secondary English"]),
        ("H31", ["英语阅读", "英语写作"], ["English Reading", "English Writing"]),
        ("G78", ["家庭教育", "亲子阅读"], ["Family Education", "Reading with Children"]),
    ],
}  # fmt: skip
PATTERNS_ZH = [
    "{s}入门",
    "{s}十讲",
    "{s}简史",
    "走进{s}",
    "{s}的故事",
    "{s}读本",
    "{s}新论",
    "图说{s}",
]
PATTERNS_EN = ["An Introduction to {s}", "Ten Lectures on {s}", "A Short History of {s}",
               "Into {s}", "The Story of {s}", "A {s} Reader", "New Essays on {s}",
               "{s} Illustrated"]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
         "秀英", "志强", "建华", "晓东", "雨桐"]  # fmt: skip
TITLES_PER_CATEGORY = 400


def _isbns(rng: random.Random, registrant: str):
    """Yield distinct valid 978-7 ISBNs of one registrant (publisher) prefix."""
    used = set()
    body_digits = 12 - len("9787" + registrant)
    while True:
        item = "".join(rng.choice("0123456789") for _ in range(body_digits))
        body = "9787" + registrant + item
        check = ean.calc_check_digit(body)
        candidate = body + check
        if candidate not in used and stdnum_isbn.is_valid(candidate):
            used.add(candidate)
            yield candidate


def load_demo_titles(publishers: list[Organisation], seed: int = 2021) -> int:
    """Add demo titles spread over `publishers`; return how many."""
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not a secret
    registrants = ["020", "101", "5321", "5447", "208", "100", "5442", "5063"]
    streams = [_isbns(rng, registrants[i % len(registrants)]) for i in range(len(publishers))]
    count = 0
    for _category, subjects in CATEGORIES.items():
        for n in range(TITLES_PER_CATEGORY):
            clc, zh_subjects, en_subjects = subjects[n % len(subjects)]
            which = rng.randrange(len(zh_subjects))
            pattern = rng.randrange(len(PATTERNS_ZH))
            english = rng.random() < 0.15  # some titles are in English
            text = (PATTERNS_EN if english else PATTERNS_ZH)[pattern].format(
                s=(en_subjects if english else zh_subjects)[which]
            )
            volume = f"（第{n // 40 + 1}版）" if not english and n >= 40 else ""
            index = n % len(publishers)
            title = Title(
                isbn=next(streams[index]),
                title=text + volume,
                title_key=search_key(text + volume),
                publisher=publishers[index],
                format=rng.choice(["paperback"] * 6 + ["hardback", "ebook", "audiobook"]),
                language="en" if english else "zh",
                clc_class=clc,
                publication_date=date(rng.randint(2015, 2021), rng.randint(1, 12), 1),
                list_price_fen=rng.randrange(1500, 12800, 10),
                page_count=rng.randint(96, 640),
                status="active",
            )
            authors = rng.randint(1, 2)
            for position in range(1, authors + 1):
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                title.contributors.append(
                    Contributor(
                        name=name, name_key=search_key(name), role="author", position=position
                    )
                )
            db.session.add(title)
            count += 1
    db.session.flush()
    return count
