"""Label codes: 100 random bits, Crockford base32 with a check symbol, tolerant reading."""

import string

from hypothesis import given
from hypothesis import strategies as st

from authenticity.labels import codes as label_codes

NUMBERS = st.integers(min_value=0, max_value=2**100 - 1)


@given(NUMBERS)
def test_a_code_is_21_symbols_a_phone_keyboard_types(number):
    code = label_codes.encode(number)
    assert len(code) == 21
    assert set(code) <= set(label_codes.ALPHABET)  # letters and digits only, the check symbol too
    assert label_codes.check_symbol(code[:20]) == code[20]


def test_the_check_symbol_is_luhn_mod_32():
    # Worked by hand: 19 zeros then "1" doubles to 2, so the check is 32 - 2 = 30, "Y".
    assert label_codes.check_symbol("0" * 19 + "1") == "Y"
    assert label_codes.check_symbol("1" + "0" * 19) == "Z"  # 1 counts once: 32 - 1 = 31


@given(NUMBERS)
def test_labels_printed_with_the_old_check_still_read(number):
    old = label_codes.encode_legacy(number)
    assert old[20] == label_codes.LEGACY_CHECK_ALPHABET[number % 37]
    parsed = label_codes.parse(old.lower())
    assert parsed.valid and parsed.normalised == old


@given(NUMBERS)
def test_encoding_is_the_number_in_base_32(number):
    code = label_codes.encode(number)
    value = 0
    for symbol in code[:20]:
        value = value * 32 + label_codes.ALPHABET.index(symbol)
    assert value == number


@given(NUMBERS, st.sampled_from(["lower", "grouped", "spaced", "fullwidth"]))
def test_the_way_a_reader_types_a_code_does_not_matter(number, style):
    code = label_codes.encode(number)
    typed = {
        "lower": code.lower(),
        "grouped": label_codes.group(code),
        "spaced": " ".join(label_codes.group(code).split("-")),
        "fullwidth": "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code),
    }[style]
    parsed = label_codes.parse(typed)
    assert parsed.valid and parsed.normalised == code


@given(NUMBERS)
def test_misread_letters_i_l_o_count_as_1_and_0(number):
    code = label_codes.encode(number)
    typed = code[:20].replace("1", "I").replace("0", "O") + code[20]
    assert label_codes.parse(typed).normalised == code


@given(NUMBERS, st.integers(0, 20), st.sampled_from(label_codes.ALPHABET))
def test_any_single_wrong_symbol_is_caught_by_the_check(number, position, symbol):
    code = label_codes.encode(number)
    if code[position] == symbol:
        return
    typo = code[:position] + symbol + code[position + 1 :]
    assert label_codes.check_symbol(typo[:20]) != typo[20]
    parsed = label_codes.parse(typo)
    # Unless the typo happens to carry the old labels' check (1 in 37), the reader is told.
    legacy = label_codes.legacy_check_symbol(typo[:20]) == typo[20]
    assert parsed.normalised == typo and parsed.check_ok == legacy


@given(NUMBERS, st.integers(0, 18))
def test_swapping_two_neighbouring_symbols_is_caught(number, position):
    code = label_codes.encode(number)
    if code[position] == code[position + 1]:
        return
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    # Luhn misses one swap: the symbols worth 0 and 31 ("0" and "Z") next to each other.
    if {code[position], code[position + 1]} == {"0", "Z"}:
        return
    assert label_codes.check_symbol(swapped[:20]) != swapped[20]


@given(st.text(alphabet=string.printable + "中文<>", max_size=100))
def test_anything_else_is_not_a_code_and_never_raises(text):
    parsed = label_codes.parse(text)
    if parsed.valid:
        assert len(parsed.normalised) == 21


def test_grouped_for_reading_aloud():
    code = label_codes.encode(2**99 + 12345)
    grouped = label_codes.group(code)
    assert grouped.count("-") == 6 and all(len(part) == 3 for part in grouped.split("-"))


def test_new_codes_are_random_valid_and_distinct():
    codes = label_codes.new_codes(20_000)
    assert len(set(codes)) == 20_000
    assert all(label_codes.parse(code).valid for code in codes[:2000])
    # every symbol position takes many values: the bits are random, not a counter
    for position in (0, 10, 19):
        assert len({code[position] for code in codes}) == 32
    assert label_codes.RANDOM_BITS >= 96


def test_the_stored_hash_is_keyed():
    code = label_codes.new_code()
    one = label_codes.code_hash(b"server key one", code)
    assert one == label_codes.hasher(b"server key one")(code)
    assert one != label_codes.code_hash(b"server key two", code)
    assert len(one) == 16 and code.encode() not in one


def test_network_bits_group_addresses_by_network_and_keep_no_address():
    key = b"k"
    assert label_codes.network_bit(key, "203.0.113.5") == label_codes.network_bit(
        key, "203.0.113.77"
    )
    bits = 0
    for n in range(40):
        bits |= label_codes.network_bit(key, f"198.{n}.7.1")
    assert label_codes.distinct_networks(bits) >= 10
    assert label_codes.network_bit(key, "not an address") == 0
    assert label_codes.network_bit(key, "2001:db8:1:2::1") == label_codes.network_bit(
        key, "2001:db8:1:ff::9"
    )
