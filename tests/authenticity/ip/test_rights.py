"""The rights registry's rules: who registers, what a right needs, decisions, expiry."""

from datetime import date

import pytest
from sqlalchemy import select, update

from alliance.audit import AuditEvent
from alliance.errors import ConflictError, FieldsInvalid, NotFoundError
from alliance.notifications.models import Notification
from authenticity.ip import services
from authenticity.ip.models import Right
from authenticity.ip.services import NotAFiler, Upload
from tests.authenticity.conftest import PDF, right_values


def kinds_for(db, user) -> list[str]:
    return list(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id))
    )


def test_a_holder_registers_a_right_that_waits_for_an_officer(db, register, holder, officer):
    right = register(holder)
    assert (right.status, right.organisation_id, right.principal_id) == (
        "pending",
        holder.organisation_id,
        None,
    )
    assert [work.work_title for work in right.works] == ["远山", "远山续集"]
    assert [document.file.content_type for document in right.documents] == ["application/pdf"]
    assert kinds_for(db, officer) == ["ip.right_submitted"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ip_right.register"))
    assert event.after["title"] == "《远山》著作权"


def test_every_problem_of_a_right_is_reported_at_once(ctx):
    with pytest.raises(FieldsInvalid) as refused:
        services.read_right(
            {
                "right_type": "trademark",
                "title": "",
                "territory": "",
                "valid_from": "2021-13-01",
                "valid_until": "",
                "isbns": "978-7-02-000100-9",
            }
        )
    assert set(refused.value.problems) == {
        "title",
        "territory",
        "valid_from",
        "registration_number",
        "isbns",
    }


def test_a_copyright_names_its_works_and_dates_are_in_order(ctx):
    with pytest.raises(FieldsInvalid) as refused:
        services.read_right(right_values(work_titles="", valid_until="2019-01-01"))
    assert set(refused.value.problems) == {"isbns", "valid_until"}


def test_isbns_must_be_in_the_catalogue(db, register, holder):
    with pytest.raises(FieldsInvalid) as refused:
        register(holder, isbns="9787020001002")
    assert "9787020001002" in str(refused.value.problems["isbns"])


def test_a_catalogue_isbn_is_kept_as_a_work(db, register, holder, make_org):
    from tests.authenticity.conftest import _title

    _title(db, make_org(), "9787020001002", "红楼梦")
    right = register(holder, isbns="978-7-02-000100-2", work_titles="")
    assert right.isbns == ["9787020001002"]


def test_a_registration_number_keeps_to_its_characters(ctx):
    with pytest.raises(FieldsInvalid) as refused:
        services.read_right(right_values(right_type="patent", registration_number="ZL<script>"))
    assert set(refused.value.problems) == {"registration_number"}


def test_only_holders_agencies_and_publishers_register(db, make_user, make_org, register):
    merchant = make_user("merchant", organisation=make_org(kind="merchant"))
    writer = make_user("writer")
    for user in (merchant, writer):
        with pytest.raises(NotAFiler):
            register(user)


def test_an_applicant_organisation_cannot_register_yet(db, make_user, make_org, register):
    applied = make_user(
        "rights_holder", organisation=make_org(kind="rights_holder", status="applied")
    )
    with pytest.raises(NotAFiler) as refused:
        register(applied)
    assert "not active" in str(refused.value.message)


def test_an_agency_registers_for_its_principal_only(
    ctx, register, agent, principal_id, make_user, make_org
):
    with pytest.raises(FieldsInvalid) as refused:
        register(agent)
    assert set(refused.value.problems) == {"principal_id"}
    right = register(agent, principal_id=principal_id)
    assert right.principal_id == principal_id
    assert right.holder_name("en") == "远山出版"
    stranger = make_user("rights_holder", organisation=make_org(kind="rights_agency"))
    with pytest.raises(FieldsInvalid):
        register(stranger, principal_id=principal_id)


def test_a_holder_names_no_principal(ctx, register, holder, principal_id):
    with pytest.raises(FieldsInvalid) as refused:
        register(holder, principal_id=principal_id)
    assert set(refused.value.problems) == {"principal_id"}


def test_hostile_files_are_refused_by_name(db, register, holder):
    page = b"<html><script>alert(1)</script></html>"
    with pytest.raises(FieldsInvalid) as refused:
        register(holder, uploads=[Upload("proof.pdf", page)])
    assert "proof.pdf" in str(refused.value.problems["documents"])
    assert "accepted types" in str(refused.value.problems["documents"])
    zipped = b"PK\x03\x04" + b"\x00" * 100
    with pytest.raises(FieldsInvalid):
        register(holder, uploads=[Upload("proof.zip", zipped)])
    with pytest.raises(FieldsInvalid) as refused:  # 48 million pixels in a small file: a bomb
        register(holder, uploads=[Upload("scan.png", huge_png())])
    assert "too many pixels" in str(refused.value.problems["documents"])


def huge_png() -> bytes:
    """Return a PNG of 8,000 x 6,000 one-bit pixels: tiny on disk, 48 million pixels drawn."""
    import io

    from PIL import Image

    output = io.BytesIO()
    Image.new("1", (8000, 6000)).save(output, "PNG")
    return output.getvalue()


def test_verify_then_revoke_tells_the_holder(db, register, holder, officer, ctx):
    right = register(holder)
    services.decide_right(officer, right, "verified")
    assert right.status == "verified" and right.decided_by_id == officer.id
    services.decide_right(officer, right, "revoked", "right_ended")
    db.session.commit()
    assert right.status == "revoked" and right.reason_code == "right_ended"
    assert kinds_for(db, holder) == ["ip.right_decided", "ip.right_decided"]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "ip_right")
    ).all()
    assert actions == ["ip_right.register", "ip_right.verify", "ip_right.revoke"]


def test_a_rejection_needs_a_reason_and_other_needs_words(db, register, holder, officer, ctx):
    right = register(holder)
    for code, words, field in (
        (None, None, "reason_code"),
        ("other", "  ", "reason"),
        ("made-up", None, "reason_code"),
    ):
        with pytest.raises(FieldsInvalid) as refused:
            services.decide_right(officer, right, "rejected", code, words)
        assert set(refused.value.problems) == {field}
    services.decide_right(officer, right, "rejected", "other", "证书模糊 <b>请重传</b>")
    assert (right.status, right.reason) == ("rejected", "证书模糊 <b>请重传</b>")


def test_illegal_moves_are_clear_conflicts(db, register, holder, officer, ctx):
    right = register(holder)
    with pytest.raises(ConflictError):
        services.decide_right(officer, right, "revoked", "duplicate")  # pending: not revocable
    services.decide_right(officer, right, "rejected", "proof_unreadable")
    with pytest.raises(ConflictError):
        services.decide_right(officer, right, "verified")
    with pytest.raises(FieldsInvalid):
        services.decide_right(officer, right, "expired")


def test_a_right_without_proof_cannot_be_verified(db, register, holder, officer, ctx):
    right = register(holder, uploads=[])
    with pytest.raises(ConflictError) as refused:
        services.decide_right(officer, right, "verified")
    assert "proof" in str(refused.value.message)


def test_two_officers_deciding_at_once_one_wins(db, register, holder, officer, ctx):
    right = register(holder)
    # Another officer rejected it after this officer read it (the object still says pending).
    db.session.execute(
        update(Right)
        .where(Right.id == right.id)
        .values(status="rejected")
        .execution_options(synchronize_session=False)
    )
    assert right.status == "pending"
    with pytest.raises(ConflictError) as refused:
        services.decide_right(officer, right, "verified")
    assert "Someone else" in str(refused.value.message)


def test_a_rejected_right_is_corrected_and_sent_again(db, register, holder, officer, ctx):
    right = register(holder)
    services.decide_right(officer, right, "rejected", "works_not_covered")
    first_sent = right.submitted_at
    corrected = services.read_right(right_values(work_titles="远山\n远山续集\n远山三部"))
    services.correct_right(holder, right, corrected, [Upload("more.pdf", PDF)])
    db.session.commit()
    assert right.status == "pending" and right.reason_code is None
    assert right.submitted_at > first_sent
    assert len(right.works) == 3 and len(right.documents) == 2
    assert kinds_for(db, officer) == ["ip.right_submitted", "ip.right_submitted"]


def test_a_verified_right_cannot_be_changed(db, register, holder, officer, ctx):
    right = register(holder)
    services.decide_right(officer, right, "verified")
    with pytest.raises(ConflictError):
        services.correct_right(holder, right, services.read_right(right_values()))
    with pytest.raises(ConflictError):
        services.add_documents(holder, right, [Upload("late.pdf", PDF)])


def test_rights_expire_after_their_last_day_once(db, register, holder, officer, ctx):
    right = register(holder, valid_until="2026-06-30")
    open_ended = register(holder, valid_until="")
    services.decide_right(officer, right, "verified")
    services.decide_right(officer, open_ended, "verified")
    assert services.expire_rights(date(2026, 6, 30)) == 0  # the last day still counts
    assert services.expire_rights(date(2026, 7, 1)) == 1
    assert services.expire_rights(date(2026, 7, 1)) == 0  # run twice: nothing more
    db.session.commit()
    assert (right.status, open_ended.status) == ("expired", "verified")
    assert kinds_for(db, holder)[-1] == "ip.right_expired"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ip_right.expire"))
    assert event.actor_label == "system"


def test_another_organisations_right_is_not_found(db, register, holder, other_holder, officer):
    right = register(holder)
    with pytest.raises(NotFoundError):
        services.own_right(other_holder, right.id)
    assert services.own_right(officer, right.id) is right


def test_verified_rights_on_a_day_are_the_ones_to_file_with(db, register, holder, officer, ctx):
    current = register(holder, title="现行", valid_until="2030-12-31")
    ended = register(holder, title="已过期", valid_from="2019-01-01", valid_until="2020-12-31")
    register(holder, title="待审")
    for right in (current, ended):
        services.decide_right(officer, right, "verified")
    assert [
        r.title for r in services.verified_rights(holder.organisation_id, date(2026, 1, 1))
    ] == ["现行"]


def test_the_queue_is_oldest_first_and_filters_by_kind(db, register, holder, officer, ctx):
    first = register(holder, title="甲")
    mark = register(holder, right_type="trademark", registration_number="123", title="乙")
    register(holder, title="丙")
    queue = db.session.scalars(services.review_queue()).all()
    assert [r.title for r in queue] == ["甲", "乙", "丙"]
    assert db.session.scalars(services.review_queue("trademark")).all() == [mark]
    services.decide_right(officer, first, "verified")
    assert services.waiting_count()[0] == 2


def test_principals_need_a_power_of_attorney_and_an_agency(db, agent, holder, ctx):
    from authenticity.ip import principals

    values = principals.read_principal({"name": "某社", "region": "中国", "valid_from": "2024-1-1"})
    with pytest.raises(FieldsInvalid) as refused:
        principals.add_principal(agent, values, None)
    assert set(refused.value.problems) == {"power_of_attorney"}
    with pytest.raises(NotAFiler):
        principals.add_principal(holder, values, Upload("poa.pdf", PDF))
    with pytest.raises(FieldsInvalid) as refused:
        principals.read_principal(
            {"name": "", "region": "", "valid_from": "x", "valid_until": "2020-01-01"}
        )
    assert set(refused.value.problems) == {"name", "region", "valid_from"}
