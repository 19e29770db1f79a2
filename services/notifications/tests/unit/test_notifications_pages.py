from datetime import UTC, date, datetime

import pytest

from notifications.rendering import amount_eur, date_fr, km, render_page


def test_feedback_recorded_page_is_french_and_escaped():
    page = render_page(
        "feedback", state="recorded", outcome_label="Gagné", lead_title="Tonte <script>x</script>"
    )
    assert "Merci, c’est noté" in page
    assert "«&nbsp;Gagné&nbsp;»" in page
    assert "<script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize(
    ("state", "title"),
    [
        ("tampered", "Ce lien n’est pas valide"),
        ("expired", "Ce lien a expiré"),
        ("wrong_purpose", "Ce lien ne sert pas à cela"),
    ],
)
@pytest.mark.parametrize("kind", ["feedback", "unsubscribe"])
def test_link_error_pages_say_nothing_was_recorded(kind, state, title):
    page = render_page(kind, state=state)
    assert f'<h1 style="margin:0 0 12px 0;font-size:22px;line-height:28px;">{title}</h1>' in page
    assert "Rien n’a été enregistré." in page


@pytest.mark.parametrize("kind", ["feedback", "unsubscribe"])
@pytest.mark.parametrize(("wait_s", "when"), [(2, "quelques instants"), (60, "1 minute."),
                                              (180, "3 minutes")])
def test_rate_limited_pages_say_when_to_try_again(kind, wait_s, when):
    page = render_page(kind, state="rate_limited", wait_s=wait_s)
    assert "<title>Trop de demandes – Chantiers agiles</title>" in page
    assert f"réessayer dans {when}" in page
    assert "Rien n’a été enregistré." in page


def test_confirmation_forms_post_to_the_given_url():
    url = "https://pistes.chantiers-agiles.fr/unsubscribe/TOKEN"
    page = render_page("unsubscribe", state="confirm", action_url=url, email="a@b.fr")
    assert f'<form method="post" action="{url}"' in page
    assert "Me désabonner" in page and "a@b.fr" in page
    done = render_page("unsubscribe", state="done")
    assert "Vous êtes désabonné" in done and "<form" not in done
    confirm = render_page(
        "feedback", state="confirm", outcome_label="Intéressé", action_url="https://x/feedback/T"
    )
    assert 'action="https://x/feedback/T"' in confirm


def test_unknown_page_kind_is_refused():
    with pytest.raises(ValueError):
        render_page("bogus", state="done")  # type: ignore[arg-type]


def test_french_formatting():
    assert date_fr(date(2026, 11, 25)) == "mercredi 25 novembre 2026"
    # 23:30 UTC is already the next day in Paris.
    assert date_fr(datetime(2026, 11, 24, 23, 30, tzinfo=UTC)) == "mercredi 25 novembre 2026"
    assert amount_eur(45000) == "45\u202f000\u00a0€"
    assert amount_eur(1234.5) == "1\u202f234,50\u00a0€"
    assert km(3.46) == "3,5\u00a0km"
    assert km(12.4) == "12\u00a0km"
