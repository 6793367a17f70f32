"""Code validators: published worked examples, and properties that hold for every code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartcustoms.kernel.codes import (
    USCC_ALPHABET,
    CodeError,
    HSCode,
    iso6346_check_digit,
    make_declaration_number,
    uscc_check_character,
    validate_container_number,
    validate_declaration_number,
    validate_uscc,
    validate_vin,
    vin_check_digit,
)

uscc_bodies = st.tuples(st.sampled_from("159Y"), st.sampled_from("1239"), st.text("0123456789", min_size=6, max_size=6),
                        st.text(USCC_ALPHABET, min_size=9, max_size=9)).map("".join)
container_bodies = st.tuples(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3), st.sampled_from("UJZ"),
                             st.text("0123456789", min_size=6, max_size=6)).map("".join)
vin_alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def test_container_worked_example_from_the_domain_doc() -> None:
    assert iso6346_check_digit("CSQU305438") == 3
    assert validate_container_number("csqu 305438 3") == "CSQU3054383"
    for wrong in "012456789":
        with pytest.raises(CodeError) as err:
            validate_container_number(f"CSQU305438{wrong}")
        assert err.value.key == "code.container.check"


@given(container_bodies)
def test_any_container_with_its_check_digit_is_valid_and_any_other_digit_is_not(body: str) -> None:
    digit = iso6346_check_digit(body)
    assert validate_container_number(f"{body}{digit}") == f"{body}{digit}"
    others = [d for d in range(10) if d != digit and not (digit == 0 and d == 0)]
    # remainder 10 maps to 0, so 0 may collide; every other digit must be refused
    for other in others:
        if iso6346_check_digit(body) != other:
            with pytest.raises(CodeError):
                validate_container_number(f"{body}{other}")


def test_uscc_known_code_and_a_single_typo_is_caught() -> None:
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"
    with pytest.raises(CodeError) as err:
        validate_uscc("91350100M000100Y44")
    assert err.value.key == "code.uscc.check"
    with pytest.raises(CodeError) as err:
        validate_uscc("91350100M000100Y4")
    assert err.value.key == "code.uscc.length"
    with pytest.raises(CodeError) as err:
        validate_uscc("91350100M0001O0Y43")  # letter O is not in the alphabet
    assert err.value.key == "code.uscc.characters"


@given(uscc_bodies, st.integers(min_value=0, max_value=16), st.sampled_from(USCC_ALPHABET))
def test_uscc_detects_every_single_character_substitution(body: str, pos: int, replacement: str) -> None:
    code = body + uscc_check_character(body)
    assert validate_uscc(code) == code
    changed = code[:pos] + replacement + code[pos + 1:]
    if changed != code:  # 31 is prime and no weight is 0 mod 31: every single substitution changes the check
        with pytest.raises(CodeError):
            validate_uscc(changed)


def test_vin_published_example() -> None:
    assert validate_vin("1M8GDM9AXKP042788") == "1M8GDM9AXKP042788"
    with pytest.raises(CodeError) as err:
        validate_vin("1M8GDM9A1KP042788")
    assert err.value.key == "code.vin.check"
    with pytest.raises(CodeError):
        validate_vin("1M8GDM9AXKP04278O")  # O is never used


@given(st.text(vin_alphabet, min_size=17, max_size=17))
def test_vin_with_its_computed_check_digit_validates(raw: str) -> None:
    vin = raw[:8] + vin_check_digit(raw) + raw[9:]
    assert validate_vin(vin) == vin


@given(st.sampled_from(["3104", "2200", "0800"]), st.integers(2000, 2099), st.sampled_from(["I", "E"]),
       st.integers(0, 999_999_999))
def test_declaration_numbers_round_trip(customs: str, year: int, direction: str, serial: int) -> None:
    number = make_declaration_number(customs, year, direction, serial)
    assert len(number) == 18
    assert validate_declaration_number(number, direction=direction) == number
    other = "E" if direction == "I" else "I"
    with pytest.raises(CodeError):
        validate_declaration_number(number, direction=other)


def test_declaration_number_example_from_the_domain_doc_is_an_export() -> None:
    assert validate_declaration_number("311120240619961023", direction="E")
    for bad in ("31112024061996102", "3111202406199610234", "31112024X619961023", "311118990619961023"):
        with pytest.raises(CodeError):
            validate_declaration_number(bad)


def test_hs_code_levels() -> None:
    code = HSCode.parse("8471.30.0000")
    assert (code.chapter, code.heading, code.subheading) == ("84", "8471", "847130")
    with pytest.raises(CodeError):
        HSCode.parse("84713")
