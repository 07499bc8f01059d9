"""One host-name deny-list: what a member may paste and what the fetcher may connect to agree."""

from __future__ import annotations

import pytest

from bot.fetcher import FetchRefused, validate_url
from bot.links import LinkError, parse_link
from bot.netguard import FetchPolicy

NAMES = ["printer.lan", "db.internal", "nas.local", "router.home.arpa", "intranet.corp", "thing.localdomain",
         "a.localhost", "metadata.google.internal", "metadata.amazonaws.com"]


@pytest.mark.parametrize("host", NAMES)
def test_a_private_name_is_refused_by_the_link_parser_and_by_the_fetcher(host):
    with pytest.raises(LinkError):
        parse_link(f"https://{host}/watch/1")
    with pytest.raises(FetchRefused):
        validate_url(f"https://{host}/watch/1", FetchPolicy())


@pytest.mark.parametrize("host", ["video.example.net", "local.news.com", "corporate.tv", "lan-party.org"])
def test_public_names_that_merely_contain_those_words_pass(host):
    assert validate_url(f"https://{host}/v/1", FetchPolicy()).host == host
