"""Admins list, create and edit users; nobody else can."""

from sqlalchemy import func, select

from alliance.auth.models import User


def test_admin_lists_and_filters_users(client_as, make_user):
    admin = client_as("admin")
    make_user(name="王芳", email="wang.fang@example.org")
    make_user("writer", name="李雷")
    page = admin.get("/admin/users?q=wang").get_data(as_text=True)
    assert "王芳" in page and "李雷" not in page
    assert "李雷" in admin.get("/admin/users?role=writer").get_data(as_text=True)
    waiting = admin.get("/admin/users?without_role=y").get_data(as_text=True)
    assert "王芳" in waiting and "李雷" not in waiting


def test_search_treats_wildcards_and_sql_as_text(client_as, make_user):
    admin = client_as("admin")
    make_user(name="100% 读者")
    make_user(name="another")
    assert "another" not in admin.get("/admin/users?q=%25").get_data(as_text=True)
    page = admin.get("/admin/users?q=' OR 1=1 --").get_data(as_text=True)
    assert "No user matches" in page
    huge = admin.get("/admin/users?q=" + "x" * 5000 + "&role=root")
    assert huge.status_code == 200


def test_admin_sees_users_waiting_for_a_role_on_home(client_as, make_user):
    admin = client_as("admin")
    make_user()
    page = admin.get("/").get_data(as_text=True)
    assert "users are waiting for a role" in page and "without_role=1" in page


def test_admin_grants_roles_and_organisation(client_as, make_user, make_org, db):
    admin = client_as("admin")
    organisation = make_org(name="知识出版社", name_en="Knowledge Publishing House")
    user = make_user()
    response = admin.post(
        f"/admin/users/{user.id}",
        data={"roles": ["publisher"], "organisation_id": organisation.id, "active": "y"},
        follow_redirects=True,
    )
    assert "have been saved" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.roles == {"publisher"} and user.organisation_id == organisation.id


def test_unknown_role_or_organisation_is_refused(client_as, make_user, db):
    admin = client_as("admin")
    user = make_user("writer")
    for data in (
        {"roles": ["emperor"], "organisation_id": 0, "active": "y"},
        {"roles": ["writer"], "organisation_id": 999999, "active": "y"},
        {"roles": ["writer"], "organisation_id": "1 OR 1=1", "active": "y"},
    ):
        page = admin.post(f"/admin/users/{user.id}", data=data).get_data(as_text=True)
        assert "valid choice" in page.lower() or "invalid choice" in page.lower()
    db.session.expire_all()
    assert user.roles == {"writer"}


def test_admin_cannot_lock_themselves_out(client_as, db):
    admin = client_as("admin")
    page = admin.post(
        f"/admin/users/{admin.user.id}",
        data={"roles": ["writer"], "organisation_id": 0, "active": "y"},
        follow_redirects=True,
    )
    assert "cannot remove your own administrator role" in page.get_data(as_text=True)
    db.session.expire_all()
    assert admin.user.roles == {"admin"}


def test_deactivating_a_user_ends_their_sessions(client_as, db):
    admin = client_as("admin")
    writer = client_as("writer")
    assert writer.get("/auth/profile").status_code == 200
    admin.post(f"/admin/users/{writer.user.id}", data={"roles": ["writer"], "organisation_id": 0})
    assert writer.get("/auth/profile").status_code == 302


def test_admin_creates_a_user(client_as, db):
    admin = client_as("admin")
    response = admin.post(
        "/admin/users/new",
        data={
            "login": "13912345678",
            "display_name": "赵敏",
            "password": "a long pass phrase",
            "roles": ["charity_coordinator"],
            "organisation_id": 0,
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.mobile == "+8613912345678"))
    assert user.roles == {"charity_coordinator"}


def test_admin_create_user_rejects_hostile_input(client_as, db):
    admin = client_as("admin")
    before = db.session.scalar(select(func.count(User.id)))
    for data in (
        {"login": "", "display_name": "", "password": ""},
        {
            "login": "<script>alert(1)</script>",
            "display_name": "x",
            "password": "a long pass phrase",
        },
        {"login": "=cmd|' /C calc'!A0", "display_name": "x", "password": "a long pass phrase"},
        {"login": "a@example.org", "display_name": "x" * 101, "password": "a long pass phrase"},
        {
            "login": "a@example.org'; DROP TABLE user; --",
            "display_name": "x",
            "password": "a long pass phrase",
        },
    ):
        response = admin.post("/admin/users/new", data={**data, "organisation_id": 0})
        assert response.status_code == 200
        assert "invalid-feedback" in response.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == before


def test_missing_user_is_404(client_as):
    assert client_as("admin").get("/admin/users/999999").status_code == 404
