"""A publisher's home page lists the label batches waiting to be printed and sealed."""

import re

from authenticity.labels import attention


def _waiting(page) -> list[str]:
    return re.findall(r"Label batch (\d+) \(([^)]*)\) waits to be printed and sealed\.", page.text)


def test_a_written_batch_waits_on_the_home_page_until_it_is_sealed(publisher, rival_publisher,
                                                                   order):  # fmt: skip
    batch_id, _codes = order(publisher.user, quantity=3)
    home = publisher.get("/")
    assert _waiting(home) == [(str(batch_id), "红楼梦, 3 labels")]
    assert f'href="/labels/{batch_id}"' in home.text
    assert _waiting(rival_publisher.get("/")) == []  # another publisher's batch is not theirs
    sealed = publisher.post(f"/labels/{batch_id}/seal", data={"confirm": "y"})
    assert sealed.status_code == 302
    assert _waiting(publisher.get("/")) == []


def test_many_batches_are_listed_up_to_a_few_then_counted(publisher, order):
    for _ in range(attention.MOST_SHOWN + 2):
        order(publisher.user, quantity=1)
    home = publisher.get("/")
    assert len(_waiting(home)) == attention.MOST_SHOWN
    assert "More label batches wait to be printed and sealed." in home.text
    assert 'href="/labels/"' in home.text
