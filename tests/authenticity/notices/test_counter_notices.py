"""Merchants see notices against their listings and answer removals; the holder's window."""

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from alliance.audit import AuditEvent
from alliance.errors import ConflictError, FieldsInvalid, NotFoundError
from alliance.files.services import Upload
from authenticity.notices import counter, merchants, paperwork, services
from authenticity.notices.merchants import NotAMerchant
from authenticity.notices.models import NoticeItem
from tests.authenticity.conftest import PDF

COUNTER = {
    "statement": "正版书，进货自出版社发行部，附发票。",
    "contact": "王五，上海市某路 1 号，13800000000",
    "accept_jurisdiction": True,
    "signature": "王五",
}


@pytest.fixture
def shop(ctx, make_org, make_user, officer, db):
    """A merchant organisation linked to the marketplace id `shop-9`, and one of its staff."""
    organisation = make_org(kind="merchant")
    merchants.set_merchant(officer, "shop-9", "九号书店", organisation.id)
    db.session.commit()
    return make_user("merchant", organisation=organisation)


@pytest.fixture
def removed(ctx, register, holder, officer, db):
    """A listing of shop-9 named in a DMCA notice and removed by an officer."""
    from authenticity.ip import services as rights

    right = register(holder)
    rights.decide_right(officer, right, "verified")
    values = services.read_notice(holder, {
        "right_id": right.id, "regime": "cn_ecommerce", "good_faith": True, "accurate": True,
        "regime_statement": True, "signature": "张三",
        "items": [{"listing_id": "L1", "merchant_id": "shop-9", "reason_code": "pirated_copy"},
                  {"listing_id": "L2", "merchant_id": "other-shop",
                   "reason_code": "pirated_copy"}],
    })  # fmt: skip
    notice = services.file_notice(holder, values)
    services.decide_items(officer, [item.id for item in notice.items], "removed")
    db.session.commit()
    return notice.items[0]


def test_only_officers_or_the_marketplace_link_merchants(db, shop, make_org, officer):
    with pytest.raises(FieldsInvalid) as refused:
        merchants.set_merchant(officer, "bad id", "", make_org(kind="publisher").id)
    assert set(refused.value.problems) == {"merchant_id", "name", "organisation_id"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "merchant.set"))
    assert event.entity_id == "shop-9"


def test_a_merchant_sees_only_listings_against_it(db, shop, removed, make_user, make_org):
    items = db.session.scalars(merchants.items_against(shop.organisation_id)).all()
    assert [item.listing_id for item in items] == ["L1"]
    with pytest.raises(NotFoundError):
        merchants.own_listing(shop, removed.notice.items[1].id)
    stranger = make_user("merchant", organisation=make_org(kind="merchant"))
    with pytest.raises(NotFoundError):
        merchants.own_listing(stranger, removed.id)
    with pytest.raises(NotAMerchant):
        merchants.own_listing(make_user("merchant"), removed.id)


def test_a_counter_notice_gives_the_holder_15_days_under_chinese_law(db, shop, removed, holder):
    with time_machine.travel(date(2026, 12, 10), tick=False):
        counter.file_counter_notice(shop, removed, COUNTER, [Upload("发票.pdf", PDF)])
    db.session.commit()
    assert removed.status == "counter_noticed"
    assert removed.counter_notice.holder_deadline == date(2026, 12, 25)
    assert [d.party for d in removed.documents] == ["merchant"]
    assert [e.by for e in removed.events][-1] == "merchant"


def test_the_dmca_window_is_14_business_days(app, ctx):
    with app.app_context():
        assert counter.holder_deadline("dmca", date(2026, 12, 4)) == date(2026, 12, 24)  # a Friday
        assert counter.holder_deadline("platform", date(2026, 12, 4)) == date(2026, 12, 19)


def test_a_counter_notice_needs_its_statements_and_a_removed_listing(db, shop, removed):
    with pytest.raises(FieldsInvalid) as refused:
        counter.file_counter_notice(shop, removed, {"statement": " ", "contact": "",
                                                    "accept_jurisdiction": False})  # fmt: skip
    assert set(refused.value.problems) == {"statement", "contact", "signature",
                                           "accept_jurisdiction"}  # fmt: skip
    counter.file_counter_notice(shop, removed, COUNTER)
    with pytest.raises(ConflictError):
        counter.file_counter_notice(shop, removed, COUNTER)


def test_the_window_for_a_counter_notice_closes(db, shop, removed):
    later = removed.decided_at.date() + timedelta(days=32)
    with time_machine.travel(later, tick=False), pytest.raises(ConflictError) as refused:
        counter.file_counter_notice(shop, removed, COUNTER)
    assert "closed" in str(refused.value.message)


def test_the_holder_files_a_complaint_and_the_removal_is_upheld(db, shop, removed, holder):
    counter.file_counter_notice(shop, removed, COUNTER)
    with pytest.raises(FieldsInvalid) as refused:
        counter.answer_counter_notice(holder, removed, "complaint_filed")
    assert set(refused.value.problems) == {"proof"}
    counter.answer_counter_notice(holder, removed, "complaint_filed",
                                  [Upload("起诉状.pdf", PDF)])  # fmt: skip
    db.session.commit()
    assert removed.status == "upheld"
    assert removed.counter_notice.holder_action == "complaint_filed"


def test_the_holder_withdraws_and_the_listing_is_reinstated(db, shop, removed, holder):
    counter.file_counter_notice(shop, removed, COUNTER)
    counter.answer_counter_notice(holder, removed, "withdraw")
    db.session.commit()
    assert removed.status == "reinstated"
    assert [e.status for e in removed.events] == [
        "submitted",
        "removed",
        "counter_noticed",
        "reinstated",
    ]


def test_silence_past_the_window_reinstates_once(db, shop, removed, holder):
    counter.file_counter_notice(shop, removed, COUNTER)
    deadline = removed.counter_notice.holder_deadline
    assert counter.expire_counter_notices(deadline) == 0  # the last day still counts
    assert counter.expire_counter_notices(deadline + timedelta(days=1)) == 1
    assert counter.expire_counter_notices(deadline + timedelta(days=1)) == 0
    db.session.commit()
    assert removed.status == "reinstated" and removed.events[-1].by == "system"
    with time_machine.travel(deadline + timedelta(days=1), tick=False), \
            pytest.raises(ConflictError):  # fmt: skip
        counter.answer_counter_notice(holder, removed, "withdraw")


def test_evidence_is_read_by_the_parties_and_officers_only(
    db, shop, removed, holder, officer, other_holder
):
    counter.file_counter_notice(shop, removed, COUNTER, [Upload("发票.pdf", PDF)])
    db.session.commit()
    stored = removed.documents[0].file
    assert paperwork.may_read_evidence(shop, stored)
    assert paperwork.may_read_evidence(holder, stored)
    assert paperwork.may_read_evidence(officer, stored)
    assert not paperwork.may_read_evidence(other_holder, stored)
    assert db.session.get(NoticeItem, removed.id).counter_notice is not None


def test_the_marketplace_is_told_of_removals_and_reinstatements_in_order(db, shop, removed, holder):
    from alliance.webhooks.models import WebhookEvent

    counter.file_counter_notice(shop, removed, COUNTER)
    counter.answer_counter_notice(holder, removed, "withdraw")
    db.session.commit()
    events = db.session.scalars(
        select(WebhookEvent).where(WebhookEvent.key == "listing:L1").order_by(WebhookEvent.id)
    ).all()
    assert [event.event_type for event in events] == ["listing.removed", "listing.reinstated"]
    assert events[0].payload["merchant_id"] == "shop-9"
    assert events[1].payload["notice_item_id"] == removed.id


def test_a_refused_decision_tells_the_marketplace_nothing(db, register, holder, officer, ctx):
    from alliance.webhooks.models import WebhookEvent
    from authenticity.ip import services as rights

    right = register(holder)
    rights.decide_right(officer, right, "verified")
    notice = services.file_notice(holder, services.read_notice(holder, {
        "right_id": right.id, "regime": "platform", "good_faith": True, "accurate": True,
        "regime_statement": True, "signature": "张三",
        "items": [{"listing_id": "X1", "merchant_id": "m", "reason_code": "pirated_copy"},
                  {"listing_id": "X2", "merchant_id": "m", "reason_code": "pirated_copy"}],
    }))  # fmt: skip
    services.decide_items(officer, [notice.items[0].id], "rejected", "not_infringing")
    db.session.commit()
    with pytest.raises(ConflictError):
        services.decide_items(officer, [notice.items[1].id, notice.items[0].id], "removed")
    db.session.rollback()
    assert db.session.scalars(select(WebhookEvent.key)).all() == []


def test_the_services_themselves_keep_each_party_to_its_own(
    db, shop, removed, other_holder, make_user, make_org, officer
):
    from authenticity.ip import services as rights

    stranger = make_user("merchant", organisation=make_org(kind="merchant"))
    with pytest.raises(NotFoundError):
        counter.file_counter_notice(stranger, removed, COUNTER)
    with pytest.raises(NotFoundError):
        counter.add_evidence(stranger, removed, [Upload("x.pdf", PDF)])
    counter.file_counter_notice(shop, removed, COUNTER)
    with pytest.raises(NotFoundError):
        counter.answer_counter_notice(other_holder, removed, "withdraw")
    with pytest.raises(NotFoundError):
        services.reply(other_holder, removed, "不是我的")
    with pytest.raises(NotFoundError):
        rights.add_documents(other_holder, removed.notice.right, [Upload("x.pdf", PDF)])
    assert removed.status == "counter_noticed"
