"""Demo data: the alliance's members and one account for every role."""

from sqlalchemy import func, select

from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.auth.services import create_user
from alliance.extensions import db
from alliance.members.models import Organisation, OrganisationKind

DEMO_PASSWORD = "reading-month-2021"  # noqa: S105 - documented demo password

ORGANISATIONS = [
    ("上海世纪出版集团", "Shanghai Century Publishing Group", OrganisationKind.PUBLISHER),
    ("知识出版社", "Knowledge Publishing House", OrganisationKind.PUBLISHER),
    ("文轩网", "Wenxuan Online", OrganisationKind.BOOKSTORE),
    ("磨铁文化", "Motie Culture", OrganisationKind.PUBLISHER),
    ("拼多多", "Pinduoduo", OrganisationKind.PLATFORM),
    ("乡村阅读公益基金会", "Rural Reading Foundation", OrganisationKind.CHARITY),
    ("书香版权代理", "Shuxiang Rights Agency", OrganisationKind.RIGHTS_AGENCY),
    ("多多好书专营店", "Duoduo Good Books Store", OrganisationKind.MERCHANT),
]

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
]


def database_is_empty() -> bool:
    """Tell whether no user exists yet."""
    return db.session.scalar(select(func.count(User.id))) == 0


def load_demo_data() -> list[tuple[str, str]]:
    """Create the demo organisations and accounts; return (login, role) pairs."""
    organisations = {}
    for name, name_en, kind in ORGANISATIONS:
        organisation = Organisation(name=name, name_en=name_en, kind=kind.value)
        db.session.add(organisation)
        organisations[name] = organisation
    db.session.flush()
    for email, display_name, role, organisation in ACCOUNTS:
        create_user(
            email,
            display_name,
            DEMO_PASSWORD,
            roles=[role],
            organisation=organisations.get(organisation),
        )
    return [(email, role.value) for email, _name, role, _org in ACCOUNTS]
