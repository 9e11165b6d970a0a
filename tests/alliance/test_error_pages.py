"""A refused page says why: the rule's own reason, in the reader's language, on the 403 page."""

import pytest


@pytest.mark.parametrize("path", ["/labels/", "/sellers/", "/sellers/import"])
def test_staff_of_a_publisher_not_yet_admitted_are_told_why(client_as, make_org, path):
    waiting = make_org(status="applied")
    client = client_as("publisher", organisation=waiting)
    page = client.get(path)
    assert page.status_code == 403
    assert "Only staff of an active member publisher can manage titles." in page.text
    chinese = client.get(path + "?lang=zh")
    assert chinese.status_code == 403
    assert "只有" in chinese.text and "Only staff" not in chinese.text


def test_a_page_that_is_not_there_says_what_is_missing(client_as):
    client = client_as("publisher")
    page = client.get("/labels/999999")
    assert page.status_code == 404
    assert "No such batch of labels." in page.text
