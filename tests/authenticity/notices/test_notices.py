"""Filing notices and deciding their listings: every rule, all or nothing, the timeline."""

import pytest
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.errors import ConflictError, FieldsInvalid, NotFoundError
from alliance.notifications.models import Notification
from authenticity.notices import services
from authenticity.notices.models import NoticeItem


def listing(number, **changes) -> dict:
    return {"listing_id": f"L{number}", "merchant_id": "shop-9", "reason_code": "pirated_copy",
            **changes}  # fmt: skip


def notice_values(right, items, **changes) -> dict:
    return {
        "right_id": right.id,
        "regime": "cn_ecommerce",
        "items": items,
        "good_faith": True,
        "accurate": True,
        "regime_statement": True,
        "signature": "张三",
        **changes,
    }


@pytest.fixture
def verified(register, holder, officer, db):
    """A verified right of `holder`, valid 2020-2030, covering two works not in the catalogue."""
    from authenticity.ip import services as rights

    right = register(holder)
    rights.decide_right(officer, right, "verified")
    db.session.commit()
    return right


def file(user, right, items, **changes):
    return services.file_notice(
        user, services.read_notice(user, notice_values(right, items, **changes))
    )


def test_a_notice_names_many_listings_each_submitted_with_a_timeline(db, verified, holder, officer):
    notice = file(holder, verified, [listing(n) for n in range(1, 4)])
    db.session.commit()
    assert [item.status for item in notice.items] == ["submitted"] * 3
    assert [[e.status for e in item.events] for item in notice.items] == [["submitted"]] * 3
    assert services.summaries([notice.id]) == {notice.id: {"submitted": 3}}
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == officer.id)
    ).all()
    assert "notices.filed" in kinds


def test_every_bad_listing_is_named_by_line_and_field(db, verified, holder):
    items = [listing(1), listing(1), listing(3, listing_id="<script>"),
             listing(4, url="javascript:alert(1)", reason_code="because"),
             listing(5, isbn="978-0-00-000000-0")]  # fmt: skip
    with pytest.raises(FieldsInvalid) as refused:
        file(holder, verified, items, signature="", good_faith=False)
    assert set(refused.value.problems) == {
        "items.2.listing_id",
        "items.3.listing_id",
        "items.4.url",
        "items.4.reason_code",
        "items.5.isbn",
        "signature",
        "good_faith",
    }
    assert "line 1" in str(refused.value.problems["items.2.listing_id"])
    assert db.session.scalar(select(func.count(NoticeItem.id))) == 0


def test_no_listing_or_more_than_300_is_refused(db, verified, holder):
    with pytest.raises(FieldsInvalid) as refused:
        file(holder, verified, [])
    assert set(refused.value.problems) == {"items"}
    with pytest.raises(FieldsInvalid) as refused:
        file(holder, verified, [listing(n) for n in range(301)])
    assert "at most 300" in str(refused.value.problems["items"])


def test_an_isbn_the_right_does_not_cover_is_refused(db, register, holder, officer, make_org):
    from authenticity.ip import services as rights
    from tests.authenticity.conftest import _title

    _title(db, make_org(), "9787020001002", "红楼梦")
    right = register(holder, isbns="9787020001002", work_titles="")
    rights.decide_right(officer, right, "verified")
    with pytest.raises(FieldsInvalid) as refused:
        file(holder, right, [listing(1, isbn="9787020001002"), listing(2, isbn="9787020001019")])
    assert set(refused.value.problems) == {"items.2.isbn"}


def test_only_a_verified_right_of_ones_own_valid_today(
    db, register, holder, other_holder, verified
):
    pending = register(holder, title="待审")
    with pytest.raises(FieldsInvalid) as refused:
        file(holder, pending, [listing(1)])
    assert "not verified" in str(refused.value.problems["right_id"])
    with pytest.raises(FieldsInvalid) as refused:
        file(other_holder, verified, [listing(1)])
    assert set(refused.value.problems) == {"right_id"}


def test_a_listing_in_an_open_notice_of_the_same_holder_is_refused(db, verified, holder, officer):
    first = file(holder, verified, [listing(1), listing(2)])
    db.session.commit()
    with pytest.raises(FieldsInvalid) as refused:
        file(holder, verified, [listing(3), listing(2)])
    assert set(refused.value.problems) == {"items.2.listing_id"}
    assert f"notice {first.id}" in str(refused.value.problems["items.2.listing_id"])
    services.decide_items(officer, [first.items[1].id], "rejected", "evidence_insufficient")
    file(holder, verified, [listing(3), listing(2)])  # rejected: it may be named again


def test_officers_decide_many_at_once_and_the_holder_is_told(db, verified, holder, officer):
    notice = file(holder, verified, [listing(n) for n in range(1, 5)])
    ids = [item.id for item in notice.items]
    services.decide_items(officer, ids[:2], "removed")
    services.decide_items(officer, ids[2:3], "rejected", "other", "样书为正版")
    services.decide_items(officer, ids[3:], "clarification_requested", None, "请提供购买凭证")
    db.session.commit()
    assert services.summaries([notice.id])[notice.id] == {
        "removed": 2,
        "rejected": 1,
        "clarification_requested": 1,
    }
    item = db.session.get(NoticeItem, ids[2])
    assert (item.decision_code, item.decision_text) == ("other", "样书为正版")
    holder_kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == holder.id)
    ).all()
    assert holder_kinds.count("notices.decided") == 3
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "notice_item")).all()  # fmt: skip
    assert sorted(actions) == ["notice_item.clarification_requested", "notice_item.rejected",
                               "notice_item.removed", "notice_item.removed"]  # fmt: skip


def test_a_decision_is_all_or_nothing(db, verified, holder, officer):
    notice = file(holder, verified, [listing(1), listing(2)])
    first, second = (item.id for item in notice.items)
    services.decide_items(officer, [first], "rejected", "not_infringing")
    db.session.commit()
    with pytest.raises(ConflictError) as refused:
        services.decide_items(officer, [second, first], "removed")
    assert "L1" in str(refused.value.message)
    db.session.rollback()
    assert db.session.get(NoticeItem, second).status == "submitted"


def test_a_rejection_needs_a_reason_and_a_question_its_text(db, verified, holder, officer):
    notice = file(holder, verified, [listing(1)])
    ids = [notice.items[0].id]
    for decision, code, text, field in (("rejected", None, None, "reason_code"),
                                        ("rejected", "other", "", "reason"),
                                        ("rejected", "nonsense", None, "reason_code"),
                                        ("clarification_requested", None, " ", "reason"),
                                        ("reinstated", None, None, "decision")):  # fmt: skip
        with pytest.raises(FieldsInvalid) as refused:
            services.decide_items(officer, ids, decision, code, text)
        assert set(refused.value.problems) == {field}


def test_the_holder_answers_a_question_and_the_listing_is_reviewed_again(
    db, verified, holder, officer
):
    notice = file(holder, verified, [listing(1)])
    item = notice.items[0]
    services.decide_items(officer, [item.id], "clarification_requested", None, "哪一版？")
    services.reply(holder, item, "2021 年版，附购买凭证")
    db.session.commit()
    assert item.status == "under_review"
    assert [(e.status, e.by) for e in item.events] == [
        ("submitted", "holder"),
        ("clarification_requested", "officer"),
        ("under_review", "holder"),
    ]
    with pytest.raises(ConflictError):
        services.reply(holder, item, "再答一次")


def test_others_cannot_see_a_notice_or_its_listings(db, verified, holder, other_holder, officer):
    notice = file(holder, verified, [listing(1)])
    db.session.commit()
    with pytest.raises(NotFoundError):
        services.own_notice(other_holder, notice.id)
    with pytest.raises(NotFoundError):
        services.own_item(other_holder, notice.items[0].id)
    assert services.own_notice(officer, notice.id) is notice


def test_pasted_lines_are_read_by_tab_or_comma_with_a_default_reason(ctx):
    rows = services.parse_listings(
        "L1\tshop-1\t9787020001002\thttps://m.example/1\tcover_copied\n\n"
        "L2, shop-2\nL3，shop-3，，，盗版\nL4,shop-4,,,because\n",
        "pirated_copy",
    )
    assert [(r["listing_id"], r["merchant_id"], r["reason_code"]) for r in rows] == [
        ("L1", "shop-1", "cover_copied"),
        ("L2", "shop-2", "pirated_copy"),
        ("L3", "shop-3", "pirated_copy"),  # its Chinese label
        ("L4", "shop-4", "because"),  # unknown: the notice's check names it
    ]
