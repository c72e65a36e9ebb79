import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_serves_the_home_page_with_its_stylesheet_and_a_strict_csp(page):
    response = page.goto("/")

    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "Your data, your terms"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
