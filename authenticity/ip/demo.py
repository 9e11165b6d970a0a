"""Demo rights: a publisher's verified copyright, and an agency's principal with a right waiting."""

from datetime import date

from sqlalchemy import select

from alliance.catalogue.models import Title
from alliance.extensions import db
from alliance.files.services import Upload
from alliance.pdf import CHINESE, Document
from authenticity.ip import principals, services
from authenticity.ip.models import RightStatus, RightType


def demo_certificate(heading: str, lines: list[str]) -> bytes:
    """Return a one-page PDF standing in for a certificate (demo data only)."""
    document = Document(heading)
    document.centred(heading, CHINESE, 7, 105, 40)
    for number, line in enumerate(lines):
        document.centred(line, CHINESE, 4.5, 105, 60 + 8 * number)
    return document.finish()


def load_demo_rights(users: dict) -> None:
    """Register the demo publisher's copyright (verified) and an agency's right (waiting)."""
    publisher, agent, officer = (
        users.get("publisher@example.org"),
        users.get("rights@example.org"),
        users.get("ip@example.org"),
    )
    if publisher is None or agent is None or officer is None:
        return
    titles = db.session.scalars(
        select(Title)
        .where(Title.publisher_id == publisher.organisation_id)
        .order_by(Title.isbn)
        .limit(3)
    ).all()
    if not titles:
        return
    values = services.read_right(
        {
            "right_type": RightType.COPYRIGHT.value,
            "title": f"《{titles[0].title}》等 {len(titles)} 种图书的专有出版权",
            "territory": "中国大陆",
            "valid_from": date(2020, 1, 1),
            "valid_until": date(2030, 12, 31),
            "isbns": [title.isbn for title in titles],
        }
    )
    contract = demo_certificate("图书出版合同（演示）", [title.title for title in titles])
    proof = Upload("出版合同.pdf", contract)
    right = services.register_right(publisher, values, [proof])
    services.decide_right(officer, right, RightStatus.VERIFIED)
    principal = principals.add_principal(
        agent,
        principals.read_principal(
            {
                "name": "青山文化传媒有限公司",
                "name_en": "Qingshan Culture Media",
                "region": "中国大陆",
                "valid_from": date(2024, 1, 1),
                "valid_until": date(2027, 12, 31),
            }
        ),
        Upload("授权委托书.pdf", demo_certificate("授权委托书（演示）", ["青山文化传媒有限公司"])),
    )
    waiting = services.read_right(
        {
            "right_type": RightType.TRADEMARK.value,
            "title": "青山文库",
            "registration_number": "45678912",
            "classes": "16, 41",
            "territory": "中国大陆",
            "valid_from": date(2019, 6, 14),
            "valid_until": date(2029, 6, 13),
            "work_titles": ["青山文库·散文卷", "青山文库·诗歌卷"],
        }
    )
    certificate = Upload("商标注册证.pdf", demo_certificate("商标注册证（演示）", ["第45678912号"]))
    services.register_right(agent, waiting, [certificate], principal_id=principal.id)
