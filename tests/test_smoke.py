from tests.conftest import login


def test_anonymous_admin_redirects_to_login(client):
    response = client.get("/admin/organizations/")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=/admin/organizations/")


def test_admin_signs_in_and_sees_registers(client, admin):
    login(client, admin)
    for url in ("/admin/", "/admin/organizations/", "/admin/users/"):
        assert client.get(url).status_code == 200, url
