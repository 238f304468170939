import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiedu.utilities import resident_id
from jiedu.utilities.resident_id import ResidentIdError


@pytest.mark.parametrize(
    ("number", "birth", "gender"),
    [
        # GB 11643-1999 Annex A worked example.
        ("11010519491231002X", date(1949, 12, 31), "female"),
        ("990102199005170016", date(1990, 5, 17), "male"),
    ],
)
def test_it_accepts_valid_numbers_and_reads_birth_date_and_gender(number, birth, gender):
    parsed = resident_id.parse(number)
    assert parsed.birth_date == birth
    assert parsed.gender == gender


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("11010519491231002", "length"),  # 17 characters
        ("11010519491231002XX", "length"),
        ("1101051949123100AX", "characters"),
        ("110105194913310026", "birth_date"),  # month 13
        ("110105194902300021", "birth_date"),  # 30 February
        ("110105194912310021", "check_digit"),  # should end in X
    ],
)
def test_it_rejects_bad_numbers_with_a_reason(raw, code):
    with pytest.raises(ResidentIdError) as exc:
        resident_id.parse(raw)
    assert exc.value.code == code
    assert str(exc.value.message)  # a readable Chinese message


def test_it_names_the_expected_check_character():
    with pytest.raises(ResidentIdError) as exc:
        resident_id.parse("110105194912310021")
    assert "X" in str(exc.value)
    assert exc.value.params == {"c": "X"}


def test_lower_case_x_and_spaces_are_normalised():
    assert resident_id.parse(" 110105 19491231002x ").number == "11010519491231002X"


def test_future_birth_dates_are_rejected_when_today_is_given():
    number = resident_id.build("990102", date(2030, 1, 1), 11)
    with pytest.raises(ResidentIdError):
        resident_id.parse(number, today=date(2026, 11, 22))


def test_mask_keeps_division_and_last_four():
    assert resident_id.mask("11010519491231002X") == "110105********002X"


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 1, 1)),
    st.integers(min_value=1, max_value=999),
    st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
)
def test_built_numbers_always_parse_back(birth, seq, division):
    number = resident_id.build(division, birth, seq)
    parsed = resident_id.parse(number)
    assert parsed.birth_date == birth
    assert parsed.gender == ("male" if seq % 2 else "female")


@given(st.text(max_size=25))
def test_parse_never_fails_with_anything_but_resident_id_error(raw):
    with contextlib.suppress(ResidentIdError):
        resident_id.parse(raw)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 1, 1)),
    st.integers(min_value=1, max_value=999),
    st.integers(min_value=0, max_value=16),
    st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_is_caught(birth, seq, position, delta):
    number = resident_id.build("990102", birth, seq)
    digit = (int(number[position]) + delta) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    with pytest.raises(ResidentIdError):
        resident_id.parse(changed)


def test_full_width_digits_are_not_taken_for_ascii_digits():
    ascii_number = resident_id.build("990102", date(1990, 5, 17), 11)
    full_width = ascii_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    with pytest.raises(ResidentIdError):
        resident_id.parse(full_width)
