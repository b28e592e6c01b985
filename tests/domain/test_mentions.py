from scorecard.domain.mentions import Person, handle_of, linked, mentioned

SAM = Person(1, "Sam Lee", "sam@example.com")
SAM_SALES = Person(2, "Sam Ortiz", "sam@sales.example.com")
JO = Person(3, "Jo Bright", "jo.bright@example.com")


def test_a_mention_names_a_person_by_their_address_before_the_at():
    assert mentioned("Thanks @jo.bright, and @nobody.", [SAM, JO]) == [JO]


def test_an_email_address_in_the_text_mentions_no_one():
    assert mentioned("write to sam@example.com", [SAM]) == []


def test_a_shared_local_part_needs_the_whole_address():
    assert mentioned("@sam what do you think?", [SAM, SAM_SALES]) == []
    assert mentioned("@sam@sales.example.com what do you think?", [SAM, SAM_SALES]) == [SAM_SALES]
    assert handle_of(SAM.email, [SAM_SALES.email]) == "sam@example.com"
    assert handle_of(JO.email, [SAM.email]) == "jo.bright"


def test_each_person_once_in_order():
    assert mentioned("@sam @jo.bright @sam", [SAM, JO]) == [SAM, JO]


def test_mentions_render_as_links_and_the_rest_is_escaped():
    html = linked("Hi @sam <b>\nline two @ghost", {"sam": SAM}, lambda p: f"/people/{p.id}")
    assert html == 'Hi <a class="mention" href="/people/1">@sam</a> &lt;b&gt;<br>line two @ghost'
