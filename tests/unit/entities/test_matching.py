"""Profiles, blocking and scoring of actor records."""

from __future__ import annotations

import itertools

from enforce_share.demo.scenario import generate_scenario
from enforce_share.entities.blocking import candidate_pairs
from enforce_share.entities.profile import profile
from enforce_share.entities.scoring import Rarity, compare

UK = {"kind": "company", "name": "Tekhno Treyd LLC", "countries": ["AM"],
      "addresses": [{"text": "12 Tigran Mets Ave, office 4, Yerevan 0010", "country": "AM"}],
      "identifiers": [{"scheme": "company_number", "value": "286.110.1234"},
                      {"scheme": "phone", "value": "+374 10 555 123"}]}
CA = {"kind": "company", "name": "TechnoTrade Limited Liability Company", "countries": ["AM"],
      "aliases": [{"name": "ООО «ТЕХНО ТРЕЙД»", "script": "Cyrl"}],
      "identifiers": [{"scheme": "company_number", "value": "2861101234"}]}
US = {"kind": "company", "name": "Pinnacle Export Partners", "countries": ["AM"],
      "addresses": [{"text": "Tigran Mets 12, of. 4, 0010 Yerevan", "country": "AM"}],
      "identifiers": [{"scheme": "phone", "value": "010 555123"}]}


def test_a_shared_registry_number_matches_and_says_so() -> None:
    match = compare(profile("uk", UK), profile("ca", CA))
    assert match.accepted and match.features["registration_agrees"] == ["company_number"]


def test_a_conflicting_registry_number_outweighs_a_name() -> None:
    other = {**CA, "identifiers": [{"scheme": "company_number", "value": "9999999999"}]}
    match = compare(profile("uk", UK), profile("x", other))
    assert not match.accepted and match.apart  # clusters keep the two apart, too
    assert match.features["registration_conflicts"] == ["company_number"]
    assert match.features["name"] >= 0.9


def test_one_keying_slip_is_not_a_conflict() -> None:
    slipped = {**CA, "identifiers": [{"scheme": "company_number", "value": "2861101243"}]}
    match = compare(profile("uk", UK), profile("x", slipped))
    assert match.features["registration_slips"] == ["company_number"] and match.accepted


def test_contacts_and_address_numbers_are_explained() -> None:
    features = compare(profile("uk", UK), profile("us", US)).features
    assert features["contacts_shared"] == ["phone:+37410555123"]
    assert features["address_overlap"] == 1.0  # 12, 4, 0010 in both spellings


def test_blocking_misses_no_pair_that_shares_an_identifier() -> None:
    actors = [(d["id"], d["body"]) for d in generate_scenario(3000, 5) if d["type"] == "actor"]
    profiles = [profile(rid, body) for rid, body in actors]
    pairs = candidate_pairs(profiles)
    for (i, a), (j, b) in itertools.combinations(enumerate(profiles), 2):
        shares = a.contacts & b.contacts or any(
            a.registration.get(scheme, frozenset()) & values
            for scheme, values in b.registration.items())
        if shares:
            assert (i, j) in pairs, (a.names, b.names)
    assert len(pairs) < 20 * len(profiles)  # near-linear, never all pairs


def test_common_words_say_little_and_rare_words_much() -> None:
    def hk(name: str, index: int) -> dict:
        return {"kind": "company", "name": name, "countries": ["HK"]}

    crowd = [profile(f"c{i}", hk(f"Hong Kong {word} International Trade Co", i))
             for i, word in enumerate(["Fengming", "Ruiming", "Huayuan", "Tianlong", "Jinxin",
                                       "Baolong", "Xinhua", "Kaida"])]
    tongbo = profile("a", hk("Tongbo International Trade Co", 0))
    hong_kong_tongbo = profile("b", hk("Hong Kong Tongbo International Trade Co", 0))
    rarity = Rarity([*crowd, tongbo, hong_kong_tongbo])
    assert compare(tongbo, hong_kong_tongbo, rarity).features["name"] > 0.8
    assert compare(hong_kong_tongbo, crowd[0], rarity).features["name"] < 0.4
    assert not compare(hong_kong_tongbo, crowd[0], rarity).accepted


def _hk(name: str, native: str | None = None) -> dict:
    body = {"kind": "company", "name": name, "countries": ["HK"]}
    if native:
        body["aliases"] = [{"name": native, "script": "Hans"}]
    return body


def test_han_names_that_differ_keep_alike_romanisations_apart() -> None:
    jiexin = profile("a", _hk("Hong Kong Jie Xin Trading Limited", "香港捷信贸易有限公司"))
    xinjie = profile("b", _hk("Hong Kong Xin Jie Trading Limited", "香港信捷贸易有限公司"))
    assert not compare(jiexin, xinjie).accepted
    assert compare(jiexin, xinjie).features["name"] <= 0.5
    # without the characters, the romanisations alone cannot tell them apart
    assert compare(profile("c", _hk("Hong Kong Jie Xin Trading Limited")),
                   profile("d", _hk("Hong Kong Xin Jie Trading Limited"))).accepted


def test_the_same_han_name_matches_however_romanised() -> None:
    spaced = profile("a", _hk("Hong Kong Jie Xin Trading Limited", "香港捷信贸易有限公司"))
    joined = profile("b", _hk("Jiexin Trading (HK) Co., Ltd.", "香港捷信贸易有限公司"))
    assert compare(spaced, joined).features["name"] == 1.0
