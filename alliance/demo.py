"""Demo data: the alliance's members and one account for every role."""

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select
from stdnum.cn import uscc

from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.auth.services import create_user
from alliance.catalogue.demo import load_demo_titles
from alliance.extensions import db
from alliance.members.models import MemberStatus, Organisation, OrganisationKind
from alliance.members.services import apply_for_membership

DEMO_PASSWORD = "reading-month-2021"  # noqa: S105 - documented demo password

# The alliance was founded on the eve of World Intellectual Property Day 2021.
FOUNDED = datetime(2021, 4, 25, 2, 0, tzinfo=UTC)


def _uscc(first_17: str) -> str:
    """Return a made-up unified social credit code with a correct check digit."""
    return first_17 + uscc.calc_check_digit(first_17)


def _member(name, name_en, kind, code, slug, contact, phone, description, description_en):
    return {
        "name": name,
        "name_en": name_en,
        "kind": kind,
        "uscc": _uscc(code) if code else None,
        "website": f"https://example.org/{slug}",
        "contact_name": contact,
        "contact_email": f"{slug}@example.org",
        "contact_phone": phone,
        "description": description,
        "description_en": description_en,
    }


ORGANISATIONS = [
    _member(
        "上海世纪出版集团",
        "Shanghai Century Publishing Group",
        OrganisationKind.PUBLISHER,
        "91310000MA1FL0001",
        "shanghai-century",
        "陈编辑",
        "+862153218888",
        "上海的综合性出版集团，出版社会科学、文学艺术与教辅图书。",
        "A Shanghai publishing group: social sciences, literature and art, teaching aids.",
    ),
    _member(
        "知识出版社",
        "Knowledge Publishing House",
        OrganisationKind.PUBLISHER,
        "12100000400000123",
        "knowledge-press",
        "蒋社长办公室",
        "+861068315566",
        "两年来在拼多多开设网店，累计销售图书120万册；一次直播四小时内售出逾200万元图书。",
        "On Pinduoduo for two years: 1.2 million books sold, and over 2 million yuan of books "
        "in a four-hour livestream.",
    ),
    _member(
        "文轩网",
        "Wenxuan Online",
        OrganisationKind.BOOKSTORE,
        "91510100MA6CQ0001",
        "wenxuan",
        "李店长",
        "+862886636688",
        "四川的网上书店，销售正版图书。",
        "An online bookstore from Sichuan selling genuine books.",
    ),
    _member(
        "磨铁文化",
        "Motie Culture",
        OrganisationKind.PUBLISHER,
        "91110105MA01B0001",
        "motie",
        "王编辑",
        "+861065978899",
        "北京的图书策划与出版机构，出版文学与大众读物。",
        "A Beijing publisher of fiction and popular books.",
    ),
    _member(
        "拼多多",
        "Pinduoduo",
        OrganisationKind.PLATFORM,
        "91310115MA1K40001",
        "pinduoduo",
        "联盟秘书处",
        "+862152661300",
        "电商平台，联盟的发起方：读书月补贴、创作者计划、正版保护与公益捐书。",
        "The marketplace that founded the alliance: the reading month, the creators programme, "
        "genuine-book protection and book donations.",
    ),
    _member(
        "乡村阅读公益基金会",
        "Rural Reading Foundation",
        OrganisationKind.CHARITY,
        "53100000MJ0000123",
        "rural-reading",
        "赵协调员",
        "+861065551234",
        "向乡村学校和图书馆捐赠图书，并回访阅读效果。",
        "Donates books to rural schools and libraries and follows up on reading.",
    ),
    _member(
        "书香版权代理",
        "Shuxiang Rights Agency",
        OrganisationKind.RIGHTS_AGENCY,
        "91310000MA1FR0001",
        "shuxiang-rights",
        "孙律师",
        "+862162781234",
        "为作者和出版社登记版权并处理侵权通知。",
        "Registers rights for authors and publishers and files infringement notices.",
    ),
    _member(
        "多多好书专营店",
        "Duoduo Good Books Store",
        OrganisationKind.MERCHANT,
        None,
        "duoduo-good-books",
        "店铺运营",
        "+8613800138000",
        "平台上的图书专营店，只卖经授权的正版书。",
        "A marketplace shop that sells only authorised, genuine books.",
    ),
    _member(
        "人民文学出版社",
        "People's Literature Publishing House",
        OrganisationKind.PUBLISHER,
        "12100000400001234",
        "people-literature",
        "周编辑",
        "+861065252000",
        "文学出版社，出版中外文学经典与当代小说。",
        "A literary publisher of Chinese and world classics and contemporary fiction.",
    ),
    _member(
        "中华书局",
        "Zhonghua Book Company",
        OrganisationKind.PUBLISHER,
        "12100000400002345",
        "zhonghua",
        "吴编辑",
        "+861063458888",
        "出版古籍整理、文史与国学普及读物。",
        "Publishes classical texts, history and introductions to Chinese learning.",
    ),
    _member(
        "书山公益图书室",
        "Shushan Library Charity",
        OrganisationKind.CHARITY,
        "52510100MJ0000456",
        "shushan-library",
        "郑老师",
        "+862885551234",
        "在西南山区学校建设图书室，培训乡村教师组织阅读。",
        "Builds school libraries in the south-west mountains and trains rural teachers.",
    ),
]

# A newcomer whose application waits in the administrators' queue.
APPLICANT = ("applicant@example.org", "申请人 Applicant")
APPLICATION = _member(
    "星火乡村阅读中心",
    "Spark Rural Reading Centre",
    OrganisationKind.CHARITY,
    "52330100MJ0000789",
    "spark-reading",
    "钱主任",
    "+8613900139000",
    "在浙江乡村开展亲子阅读活动，希望参与联盟的捐书计划。",
    "Runs family reading in rural Zhejiang and wishes to join the alliance's book donations.",
)

ACCOUNTS = [
    ("admin@example.org", "管理员 Admin", Role.ADMIN, "拼多多"),
    ("staff@example.org", "活动运营 Campaign Staff", Role.CAMPAIGN_STAFF, "拼多多"),
    ("ip@example.org", "知识产权专员 IP Officer", Role.IP_OFFICER, "拼多多"),
    (
        "charity@example.org",
        "公益协调员 Charity Coordinator",
        Role.CHARITY_COORDINATOR,
        "乡村阅读公益基金会",
    ),
    ("publisher@example.org", "出版社编辑 Publisher", Role.PUBLISHER, "知识出版社"),
    ("writer@example.org", "独立作家 Writer", Role.WRITER, None),
    ("reviewer@example.org", "评审专家 Reviewer", Role.REVIEWER, None),
    ("rights@example.org", "版权代理人 Rights Holder", Role.RIGHTS_HOLDER, "书香版权代理"),
    ("merchant@example.org", "店铺运营 Merchant", Role.MERCHANT, "多多好书专营店"),
    ("marketplace@example.org", "平台系统 Marketplace", Role.MARKETPLACE, "拼多多"),
]


def database_is_empty() -> bool:
    """Tell whether no user exists yet."""
    return db.session.scalar(select(func.count(User.id))) == 0


def load_demo_data() -> list[tuple[str, str]]:
    """Create the demo members, accounts, an application, 1,200 titles and domain data."""
    organisations = {}
    for values in ORGANISATIONS:
        organisation = Organisation(
            **{**values, "kind": values["kind"].value},
            status=MemberStatus.ACTIVE.value,
            decided_at=FOUNDED,
        )
        db.session.add(organisation)
        organisations[values["name"]] = organisation
    db.session.flush()
    users = {}
    for email, display_name, role, organisation in ACCOUNTS:
        users[email] = create_user(
            email,
            display_name,
            DEMO_PASSWORD,
            roles=[role],
            organisation=organisations.get(organisation),
        )
    applicant = create_user(APPLICANT[0], APPLICANT[1], DEMO_PASSWORD)
    apply_for_membership(applicant, {**APPLICATION, "kind": APPLICATION["kind"].value})
    publishers = [o for o in organisations.values() if o.kind == OrganisationKind.PUBLISHER]
    load_demo_titles(publishers)
    # The domains' own demo data (campaigns, labels, ...), as the app factory lists them.
    for load in current_app.extensions.get("demo_loaders", []):
        load(users)
    return [(email, role.value) for email, _name, role, _org in ACCOUNTS]
