"""Membership: applications, the admins' decisions, profiles, the directory, the demo members."""

import html

import pytest
from sqlalchemy import func, select, update
from stdnum.cn import uscc

from alliance.audit import AuditEvent
from alliance.errors import ConflictError, DomainError
from alliance.members import services
from alliance.members import values as member_values
from alliance.members.models import Organisation

VALID_USCC = "91310000MA1FL0001" + uscc.calc_check_digit("91310000MA1FL0001")
OTHER_USCC = "12100000400000123" + uscc.calc_check_digit("12100000400000123")
WRONG_CHECK_DIGIT = VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1")


def application(**changes):
    values = {
        "kind": "publisher",
        "name": "晨光出版社",
        "name_en": "Morning Light Press",
        "uscc": f"{VALID_USCC[:8].lower()} {VALID_USCC[8:].lower()}",
        "contact_name": "林编辑",
        "contact_email": "Lin@Example.org",
        "contact_phone": "021 5321 8888",
        "website": "https://example.org/morning-light",
        "description": "一家出版社。",
        "description_en": "A publisher.",
    }
    values.update(changes)
    return values


def counts(db):
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count(Organisation.id))),
        db.session.scalar(select(func.count(AuditEvent.id))),
    )


def org_named(db, name):
    db.session.expire_all()
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def events(db, action, entity_id=None):
    query = select(AuditEvent).where(AuditEvent.action == action)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def text(response):
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def applicant(client_as):
    """A logged-in user with no role and no organisation."""
    return client_as()


@pytest.fixture
def applied(applicant, db):
    """The applicant's organisation, applied for through the form."""
    response = applicant.post("/members/apply", data=application())
    assert response.status_code == 302, text(response)
    return org_named(db, "晨光出版社")


# --- applying -------------------------------------------------------------------------------


def test_apply_creates_a_pending_organisation_the_applicant_belongs_to(applicant, db):
    response = applicant.post("/members/apply", data=application(), follow_redirects=True)
    page = text(response)
    assert "has been sent" in page and "Application pending" in page
    organisation = org_named(db, "晨光出版社")
    assert organisation.status == "applied" and organisation.kind == "publisher"
    assert organisation.uscc == VALID_USCC  # compact, upper case
    assert organisation.contact_phone == "+862153218888"
    assert organisation.contact_email == "Lin@example.org"
    db.session.refresh(applicant.user)
    assert applicant.user.organisation_id == organisation.id
    (applied,) = events(db, "organisation.apply", organisation.id)
    assert applied.before is None and applied.after["status"] == "applied"
    assert applied.actor_id == applicant.user.id
    (linked,) = events(db, "user.update", applicant.user.id)
    assert linked.before["organisation_id"] is None
    assert linked.after["organisation_id"] == organisation.id


def test_the_application_form_offers_only_applicant_kinds(applicant, db):
    page = text(applicant.get("/members/apply"))
    assert 'value="publisher"' in page and 'value="charity"' in page
    assert 'value="bookstore"' in page and 'value="platform"' not in page
    before = counts(db)
    page = text(applicant.post("/members/apply", data=application(kind="platform")))
    assert "Not a valid choice" in page and counts(db) == before


def test_the_uscc_is_optional(applicant, db):
    assert applicant.post("/members/apply", data=application(uscc="")).status_code == 302
    assert org_named(db, "晨光出版社").uscc is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (WRONG_CHECK_DIGIT, "check digit"),
        (VALID_USCC[:-2], "has 18 characters"),
        ("IO" + VALID_USCC[2:], "8 digits"),
    ],
)
def test_an_invalid_uscc_is_explained_and_nothing_stored(applicant, db, code, message):
    before = counts(db)
    response = applicant.post("/members/apply", data=application(uscc=code))
    page = text(response)
    assert response.status_code == 200 and message in page and "is-invalid" in page
    assert "晨光出版社" in page  # the input is kept
    assert counts(db) == before


def test_a_duplicate_name_is_refused(applicant, make_org, db):
    make_org(name="晨光出版社", name_en="Someone Else")
    before = counts(db)
    page = text(applicant.post("/members/apply", data=application()))
    assert "An organisation named 晨光出版社 already exists" in page
    assert counts(db) == before


def test_a_duplicate_english_name_is_refused_whatever_the_case(applicant, make_org, db):
    make_org(name="另一家", name_en="MORNING LIGHT PRESS")
    before = counts(db)
    page = text(applicant.post("/members/apply", data=application()))
    assert "English name Morning Light Press already exists" in page
    assert counts(db) == before


def test_a_duplicate_uscc_is_a_conflict_next_to_the_code(applicant, make_org, db, ctx):
    other = make_org(name="老牌出版社")
    other.uscc = VALID_USCC
    db.session.commit()
    before = counts(db)
    page = text(applicant.post("/members/apply", data=application()))
    assert f"{VALID_USCC} is already registered to another organisation" in page
    assert counts(db) == before
    with pytest.raises(ConflictError):
        services.apply_for_membership(applicant.user, application())


HOSTILE = [
    "<script>alert('x')</script>",
    "=cmd|' /C calc'!A0",
    "'; DROP TABLE organisation; --",
    "x" * 100_000,
    "\u202eevil\u0000null",
    "tab\tand\x07bell",
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_in_every_field_store_nothing(applicant, db, value):
    before = counts(db)
    data = dict.fromkeys(application(), value)
    response = applicant.post("/members/apply", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "invalid-feedback" in page
    assert "<script>alert" not in page
    assert counts(db) == before


@pytest.mark.parametrize("field", ["name", "name_en", "contact_name", "description"])
def test_control_characters_are_refused_with_a_message(applicant, db, field):
    before = counts(db)
    page = text(applicant.post("/members/apply", data=application(**{field: "晨\u0000光"})))
    assert "Remove the invisible control characters" in page
    assert counts(db) == before


def test_overlong_values_are_refused_with_a_message(applicant, db):
    before = counts(db)
    page = text(applicant.post("/members/apply", data=application(name="书" * 201)))
    assert "Field cannot be longer than 200 characters" in page
    assert counts(db) == before


def test_hostile_names_are_only_ever_text(applicant, client_as, db):
    name = "<script>alert('x')</script>=cmd|' /C calc'!A0"
    response = applicant.post("/members/apply", data=application(name=name))
    assert response.status_code == 302
    assert org_named(db, name) is not None
    admin = client_as("admin")
    for page in (
        admin.get("/members/applications"),
        applicant.get("/members/apply"),
        applicant.get("/"),
        admin.get("/admin/audit"),
    ):
        assert "<script>alert('x')</script>" not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "JavaScript://example.org/%0Aalert(1)",
        "data:text/html,hi",
        "example.org",
        "https://",
        "https://user:pass@example.org",
        "https://exa mple.org",
    ],
)
def test_only_http_websites_are_accepted(applicant, db, website):
    before = counts(db)
    page = text(applicant.post("/members/apply", data=application(website=website)))
    assert "starting with https:// or http://" in page
    assert counts(db) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_email", "not-an-email", "email address is not valid"),
        ("contact_email", "", "This field is required"),
        ("contact_phone", "12345", "valid telephone number"),
        ("contact_name", "", "This field is required"),
        ("name", "   ", "This field is required"),
    ],
)
def test_contacts_are_checked(applicant, db, field, value, message):
    before = counts(db)
    page = text(applicant.post("/members/apply", data=application(**{field: value})))
    assert message in page and counts(db) == before


def test_the_service_checks_values_itself(make_user, db, ctx):
    user = make_user()
    for values, field in (
        (application(website="javascript:alert(1)"), "website"),
        (application(uscc=WRONG_CHECK_DIGIT), "uscc"),
        (application(kind="platform"), "kind"),
        (application(name="x" * 201), "name"),
        (application(name="\u202e"), "name"),
        (application(contact_email=None), "contact_email"),
        (application(contact_phone=["+8613800138000"]), "contact_phone"),
    ):
        with pytest.raises(DomainError) as refused:
            services.apply_for_membership(user, values)
        assert list(refused.value.problems) == [field]


def test_a_member_of_an_organisation_sees_its_status_instead_of_the_form(client_as, db):
    publisher = client_as("publisher")
    page = text(publisher.get("/members/apply"))
    assert "Your organisation" in page and "Send the application" not in page
    before = counts(db)
    publisher.post("/members/apply", data=application())
    assert counts(db) == before


def test_applying_twice_is_refused(applied, make_user, db, ctx):
    db.session.expire_all()
    (user,) = services.users_of([applied.id])[applied.id]
    with pytest.raises(ConflictError):
        services.apply_for_membership(user, application(name="第二家", name_en=None, uscc=None))


def test_users_without_organisation_see_the_apply_link_on_home(applicant, client_as, make_user,
                                                                client_of):  # fmt: skip
    assert "/members/apply" in applicant.get("/").get_data(as_text=True)
    assert "/members/apply" not in client_as("publisher").get("/").get_data(as_text=True)
    # a role whose work is done for an organisation, without one yet: offered
    assert "/members/apply" in client_of(make_user("charity_coordinator")).get("/").text
    # (issue 17) roles that need no organisation are not offered to apply
    for role in ("writer", "reviewer", "ip_officer"):
        assert "/members/apply" not in client_of(make_user(role)).get("/").text, role


def test_apply_needs_a_login(client):
    response = client.get("/members/apply")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- deciding -------------------------------------------------------------------------------


def decide(admin, organisation, decision, reason=""):
    return admin.post(
        f"/members/{organisation.id}/decide",
        data={"decision": decision, "reason": reason},
        follow_redirects=True,
    )


def test_admin_sees_the_queue_on_home_and_in_the_list(applied, client_as):
    admin = client_as("admin")
    home = text(admin.get("/"))
    assert "1 membership applications are waiting" in home and "/members/applications" in home
    queue = text(admin.get("/members/applications"))
    assert "晨光出版社" in queue and "Lin@example.org" in queue and "Approve" in queue


def test_the_queue_filters_by_status_and_name(applied, client_as, make_org):
    make_org(name="活跃出版社")
    admin = client_as("admin")
    assert "活跃出版社" not in text(admin.get("/members/applications"))
    active = text(admin.get("/members/applications?status=active"))
    assert "活跃出版社" in active and "晨光出版社" not in active
    every = text(admin.get("/members/applications?status=&q=light"))
    assert "晨光出版社" in every and "活跃出版社" not in every


def test_approval_grants_the_kind_role_and_the_applicant_sees_it(applied, applicant, client_as, db):
    admin = client_as("admin")
    page = text(decide(admin, applied, "active"))
    assert "is now: Active member" in page
    db.session.expire_all()
    assert applied.status == "active" and applied.decided_at is not None
    assert applicant.user.roles == {"publisher"}
    home = text(applicant.get("/"))
    assert "Publisher staff" in home and "was approved" in home
    (approved,) = events(db, "organisation.approve", applied.id)
    assert approved.actor_id == admin.user.id
    assert (approved.before["status"], approved.after["status"]) == ("applied", "active")
    granted = events(db, "user.update", applicant.user.id)[-1]
    assert granted.before["roles"] == [] and granted.after["roles"] == ["publisher"]
    assert "晨光出版社" in text(admin.get("/members/?q=晨光"))


@pytest.mark.parametrize(
    ("kind", "role"),
    [("publisher", "publisher"), ("bookstore", "merchant"), ("charity", "charity_coordinator")],
)
def test_each_kind_gets_its_role(make_user, db, ctx, kind, role):
    user, admin = make_user(), make_user("admin")
    organisation = services.apply_for_membership(user, application(kind=kind))
    services.decide(admin, organisation, "active", None)
    assert user.roles == {role}


def test_rejection_needs_a_reason_and_the_applicant_sees_it(applied, applicant, client_as, db):
    admin = client_as("admin")
    before = counts(db)
    page = text(decide(admin, applied, "rejected"))
    assert "Give a reason" in page
    assert counts(db) == before and org_named(db, "晨光出版社").status == "applied"
    decide(admin, applied, "rejected", "营业执照与名称不符 / licence does not match")
    organisation = org_named(db, "晨光出版社")
    assert organisation.status == "rejected"
    assert organisation.status_reason == "营业执照与名称不符 / licence does not match"
    home = text(applicant.get("/"))
    assert "was rejected: 营业执照与名称不符 / licence does not match" in home
    assert "licence does not match" in text(applicant.get("/members/apply"))
    assert applicant.user.roles == set()
    (rejected,) = events(db, "organisation.reject", applied.id)
    assert rejected.after["status_reason"].startswith("营业执照")


def test_pending_applicant_sees_it_pending_and_outsiders_do_not_see_it(applied, applicant, client):
    assert "is pending" in text(applicant.get("/"))
    page = text(applicant.get(f"/members/{applied.id}"))
    assert "Application pending" in page and "Edit profile" in page
    assert client.get(f"/members/{applied.id}").status_code == 404
    assert "晨光出版社" not in text(client.get("/members/?q=晨光"))


def test_suspend_and_reinstate(client_as, make_org, db):
    organisation = make_org(name="停牌书店", kind="bookstore")
    member = client_as("merchant", organisation=organisation)
    admin = client_as("admin")
    assert "Give a reason" in text(decide(admin, organisation, "suspended"))
    decide(admin, organisation, "suspended", "销售盗版书 / pirated books sold")
    assert org_named(db, "停牌书店").status == "suspended"
    assert "suspended: 销售盗版书 / pirated books sold" in text(member.get("/"))
    assert "停牌书店" not in text(admin.get("/members/"))
    assert member.get(f"/members/{organisation.id}").status_code == 200
    assert admin.get(f"/members/{organisation.id}").status_code == 200
    page = text(decide(admin, organisation, "active"))
    assert "is now: Active member" in page
    assert org_named(db, "停牌书店").status == "active"
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["organisation.suspend", "organisation.reinstate"]


@pytest.mark.parametrize(
    ("status", "target"),
    [
        ("rejected", "active"),
        ("rejected", "suspended"),
        ("applied", "suspended"),
        ("active", "rejected"),
        ("active", "active"),
        ("suspended", "rejected"),
    ],
)
def test_illegal_transitions_are_refused(make_org, make_user, db, ctx, status, target):
    organisation = make_org(kind="bookstore" if status == "applied" else "publisher", status=status)
    db.session.flush()
    admin = make_user("admin")
    before = counts(db)
    with pytest.raises(ConflictError, match="cannot become"):
        services.decide(admin, organisation, target, "a reason")
    assert organisation.status == status
    assert counts(db) == before


def test_a_decision_on_a_stale_status_is_refused(make_org, make_user, db, ctx):
    admin = make_user("admin")
    organisation = make_org(status="applied")
    db.session.flush()
    # Another administrator rejects it meanwhile; this session still holds "applied".
    db.session.execute(
        update(Organisation)
        .where(Organisation.id == organisation.id)
        .values(status="rejected", status_reason="no")
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ConflictError, match="just decided"):
        services.decide(admin, organisation, "active", None)
    assert events(db, "organisation.approve") == []


def test_approving_a_rejected_application_is_refused_in_the_page(applied, client_as, db):
    admin = client_as("admin")
    decide(admin, applied, "rejected", "incomplete")
    page = text(decide(admin, applied, "active"))
    assert "cannot become" in page
    assert org_named(db, "晨光出版社").status == "rejected"


def test_an_unknown_decision_is_refused(applied, client_as, db):
    admin = client_as("admin")
    page = text(decide(admin, applied, "emperor"))
    assert "Not a valid choice" in page
    assert org_named(db, "晨光出版社").status == "applied"


def test_only_admins_decide(applied, make_user, db, ctx):
    with pytest.raises(services.MembershipNotAllowed):
        services.decide(make_user("campaign_staff"), applied, "active", None)


@pytest.mark.parametrize("role", [None, "campaign_staff", "publisher", "ip_officer"])
def test_non_admins_cannot_see_the_queue_or_decide(applied, client_as, client, db, role):
    user = client_as(role) if role else client
    expected = 403 if role else 302
    assert user.get("/members/applications").status_code == expected
    response = user.post(f"/members/{applied.id}/decide", data={"decision": "active"})
    assert response.status_code == expected
    assert org_named(db, "晨光出版社").status == "applied"


# --- profiles -------------------------------------------------------------------------------


def profile(**changes):
    values = application(uscc="")
    del values["name"], values["kind"]
    values.update(changes)
    return values


def test_users_edit_their_own_organisation(client_as, make_org, db):
    organisation = make_org(name="知识出版社")
    editor = client_as("publisher", organisation=organisation)
    assert "Edit profile" in text(editor.get(f"/members/{organisation.id}"))
    data = profile(
        name_en="Knowledge Publishing House",
        contact_phone="138 0013 8000",
        uscc=OTHER_USCC.lower(),
        website="https://example.org/knowledge",
        name="改名",
        kind="charity",
        status="rejected",
    )
    response = editor.post(f"/members/{organisation.id}/edit", data=data, follow_redirects=True)
    page = text(response)
    assert "The profile has been saved" in page and "https://example.org/knowledge" in page
    organisation = org_named(db, "知识出版社")
    assert organisation.name_en == "Knowledge Publishing House"
    assert organisation.contact_phone == "+8613800138000" and organisation.uscc == OTHER_USCC
    assert (organisation.kind, organisation.status) == ("publisher", "active")
    (updated,) = events(db, "organisation.update", organisation.id)
    assert updated.before["uscc"] is None and updated.after["uscc"] == OTHER_USCC
    assert updated.after["description"] == "一家出版社。"


def test_the_edit_form_is_filled_in(client_as, make_org):
    organisation = make_org(name="知识出版社", name_en="Knowledge Publishing House")
    editor = client_as("publisher", organisation=organisation)
    assert 'value="Knowledge Publishing House"' in text(
        editor.get(f"/members/{organisation.id}/edit")
    )


def test_another_organisations_edit_page_is_not_found(client_as, make_org, db):
    mine, theirs = make_org(), make_org(name="别家出版社")
    editor = client_as("publisher", organisation=mine)
    assert editor.get(f"/members/{theirs.id}/edit").status_code == 404
    response = editor.post(f"/members/{theirs.id}/edit", data=profile())
    assert response.status_code == 404
    assert org_named(db, "别家出版社").contact_email is None
    assert "Edit profile" not in text(editor.get(f"/members/{theirs.id}"))
    assert client_as().get(f"/members/{theirs.id}/edit").status_code == 404


def test_admins_edit_any_organisation(client_as, make_org, db):
    organisation = make_org(name="别家出版社")
    admin = client_as("admin")
    response = admin.post(f"/members/{organisation.id}/edit", data=profile())
    assert response.status_code == 302
    assert org_named(db, "别家出版社").contact_email == "Lin@example.org"


def test_profile_edit_refuses_javascript_and_a_taken_uscc(client_as, make_org, db):
    taken = make_org(name="老牌出版社")
    taken.uscc = VALID_USCC
    organisation = make_org(name="知识出版社")
    db.session.commit()
    editor = client_as("publisher", organisation=organisation)
    url = f"/members/{organisation.id}/edit"
    page = text(editor.post(url, data=profile(website="javascript:alert(1)")))
    assert "starting with https:// or http://" in page
    page = text(editor.post(url, data=profile(uscc=VALID_USCC)))
    assert "already registered to another organisation" in page
    organisation = org_named(db, "知识出版社")
    assert organisation.website is None and organisation.uscc is None
    assert events(db, "organisation.update", organisation.id) == []


def test_update_profile_never_changes_name_kind_or_status(make_org, make_user, db, ctx):
    organisation = make_org()
    editor = make_user("publisher", organisation=organisation)
    with pytest.raises(ValueError, match="name"):
        services.update_profile(editor, organisation, {**profile(), "name": "改名"})
    with pytest.raises(services.NotFoundError):
        services.update_profile(make_user("publisher"), organisation, profile())


def test_saving_an_unchanged_profile_records_nothing(make_org, make_user, db, ctx):
    organisation = make_org()
    editor = make_user("publisher", organisation=organisation)
    services.update_profile(editor, organisation, profile())
    services.update_profile(editor, organisation, profile())
    assert len(events(db, "organisation.update", organisation.id)) == 1


# --- directory ------------------------------------------------------------------------------


def test_directory_lists_only_active_members_searchable_in_both_languages(client, make_org, db):
    make_org(name="上海世纪出版集团", name_en="Shanghai Century Publishing Group")
    make_org(name="文轩网", name_en="Wenxuan Online", kind="bookstore")
    for name, status in (
        ("申请中书店", "applied"),
        ("被拒书店", "rejected"),
        ("停牌书店", "suspended"),
    ):
        make_org(name=name, kind="bookstore", status=status)
    db.session.commit()
    page = text(client.get("/members/"))
    assert "上海世纪出版集团" in page and "文轩网" in page
    for hidden in ("申请中书店", "被拒书店", "停牌书店"):
        assert hidden not in page
    assert "文轩网" in text(client.get("/members/?q=文轩"))
    english = text(client.get("/members/?q=century"))
    assert "Shanghai Century Publishing Group" in english and "Wenxuan" not in english
    chinese = text(client.get("/members/?q=wenxuan&lang=zh"))
    assert "文轩网" in chinese and "上海世纪" not in chinese
    assert "上海世纪" not in text(client.get("/members/?kind=bookstore"))


@pytest.mark.parametrize("status", ["applied", "rejected", "suspended"])
def test_non_active_profiles_are_not_found_for_outsiders(client, client_as, make_org, db, status):
    organisation = make_org()
    organisation.status, organisation.status_reason = status, "内部原因"
    db.session.commit()
    assert client.get(f"/members/{organisation.id}").status_code == 404
    assert client_as("publisher").get(f"/members/{organisation.id}").status_code == 404
    insider = client_as("publisher", organisation=organisation)
    assert "内部原因" in text(insider.get(f"/members/{organisation.id}"))


def test_outsiders_do_not_see_an_active_members_status_reason(client, make_org, db):
    organisation = make_org()
    organisation.status_reason = "note from the admins"
    db.session.commit()
    assert "note from the admins" not in text(client.get(f"/members/{organisation.id}"))


def test_the_queue_issues_a_bounded_number_of_queries(
    client_as, make_org, make_user, db, statements_in
):
    admin = client_as("admin")

    def queries_for_queue():
        with statements_in() as statements:
            assert admin.get("/members/applications?status=").status_code == 200
        return len(statements)

    def add_applicants(number):
        for _ in range(number):
            organisation = make_org(status="applied")
            make_user(organisation=organisation)
            make_user(organisation=organisation)

    add_applicants(2)
    few = queries_for_queue()
    add_applicants(10)
    assert 0 < few == queries_for_queue()


# --- demo -----------------------------------------------------------------------------------


def test_demo_members_have_valid_codes_and_contacts_and_one_application_waits(db, ctx):
    from alliance.demo import ORGANISATIONS, load_demo_data

    names = {values["name"] for values in ORGANISATIONS}
    assert {"上海世纪出版集团", "知识出版社", "文轩网", "磨铁文化"} <= names
    load_demo_data()
    for organisation in db.session.scalars(select(Organisation)):
        assert member_values.normalise_uscc(organisation.uscc) == organisation.uscc
        assert (
            member_values.normalise_phone(organisation.contact_phone) == organisation.contact_phone
        )
        assert (
            member_values.normalise_email(organisation.contact_email) == organisation.contact_email
        )
        assert organisation.website_url == organisation.website
    assert services.waiting_applications() == 1
