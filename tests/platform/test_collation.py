"""Vietnamese alphabetical order (dvcq.platform.collation): the dictionary's order, worked examples and its laws."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from dvcq.platform.collation import vn_key, vn_positions, vn_sorted

# The order, and what Python's own string order made of it.
COMMUNES = ["Ba Dinh", "Ba Điền", "Ba Động", "Ba Tô", "Ba Tơ", "Ba Trang", "Ba Vì", "Ba Vinh", "Ba Xa"]


def test_communes_in_vietnamese_alphabetical_order():
    shuffled = COMMUNES[::-1]
    assert vn_sorted(shuffled) == COMMUNES
    assert sorted(shuffled) != COMMUNES  # code points: Điền and Động after Xa, Trang before Tô, Vinh before Vì


def test_letters_with_marks_follow_their_base_letter():
    assert vn_sorted(["ư", "u", "ơ", "ô", "o", "ê", "e", "đ", "d", "â", "ă", "a", "b"]) == [
        "a", "ă", "â", "b", "d", "đ", "e", "ê", "o", "ô", "ơ", "u", "ư",
    ]  # fmt: skip
    assert vn_sorted(["Ba Đa", "Ba Dy"]) == ["Ba Dy", "Ba Đa"]  # the letter decides before anything after it


def test_tones_order_a_word_after_its_letters():
    words = ["ma", "mà", "mả", "mã", "má", "mạ", "mác", "man"]
    assert vn_sorted(random.Random(3).sample(words, len(words))) == words
    assert vn_sorted(["Bà Vi", "Ba Vì"]) == ["Ba Vì", "Bà Vi"]  # word by word: "Ba" before "Bà"
    assert vn_sorted(["mậu", "mẫu", "mầu", "mâu"]) == ["mâu", "mầu", "mẫu", "mậu"]  # â with a tone is still â


def test_case_does_not_count_and_equal_names_are_ordered_deterministically():
    mixed = ["xã ba xa", "XÃ BA ĐIỀN", "Xã Ba Dinh", "xã Ba Tô", "XÃ BA TRANG"]
    assert vn_sorted(mixed) == ["Xã Ba Dinh", "XÃ BA ĐIỀN", "xã Ba Tô", "XÃ BA TRANG", "xã ba xa"]
    assert vn_key("Ba Vì")[0] == vn_key("BA VÌ")[0] == vn_key("ba vì")[0]
    same = ["BA VÌ", "Ba Vì", "ba vì"]
    assert vn_sorted(same[::-1]) == vn_sorted(same[1:] + same[:1]) == same


def test_prefixes_are_part_of_the_name():
    names = ["Xã Ba Xa", "Thị trấn Ba Tơ", "Xã Ba Điền", "Xã Ba Bích", "Phường Ba Tơ"]
    assert vn_sorted(names) == ["Phường Ba Tơ", "Thị trấn Ba Tơ", "Xã Ba Bích", "Xã Ba Điền", "Xã Ba Xa"]


def test_numbers_by_value_before_words_and_punctuation_only_separates():
    assert vn_sorted(["Tổ 10", "Tổ 2", "Tổ A", "Tổ 1"]) == ["Tổ 1", "Tổ 2", "Tổ 10", "Tổ A"]
    assert vn_key("Phòng Tài nguyên - Môi trường")[0] == vn_key("Phòng Tài nguyên Môi trường")[0]


def test_none_sorts_as_empty_first():
    assert vn_sorted(["Ba Xa", None, "Ba Tô"]) == [None, "Ba Tô", "Ba Xa"]


def test_positions_number_names_in_order():
    assert vn_positions(["Ba Xa", "Ba Điền", "Ba Dinh", "Ba Xa"]) == {"Ba Dinh": 0, "Ba Điền": 1, "Ba Xa": 2}


def test_sorted_by_an_attribute_and_reversed():
    rows = [{"name": n} for n in ("Ba Xa", "Ba Động", "Ba Dinh")]
    assert [r["name"] for r in vn_sorted(rows, lambda r: r["name"])] == ["Ba Dinh", "Ba Động", "Ba Xa"]
    assert vn_sorted(["Ba Dinh", "Ba Xa", "Ba Động"], reverse=True) == ["Ba Xa", "Ba Động", "Ba Dinh"]


_VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
vietnamese_names = st.text(alphabet=st.sampled_from(_VIETNAMESE + " -.0123456789"), max_size=20)
names = vietnamese_names | st.text(max_size=12)


@given(names)
def test_nfc_and_nfd_spellings_have_one_key(name):
    assert vn_key(unicodedata.normalize("NFC", name)) == vn_key(unicodedata.normalize("NFD", name))


@given(names, names)
def test_order_is_total_equal_keys_only_for_the_same_name(a, b):
    ka, kb = vn_key(a), vn_key(b)
    assert (ka < kb) + (ka == kb) + (ka > kb) == 1
    assert (ka == kb) == (unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b))


@given(st.lists(names, max_size=12), st.randoms())
def test_order_does_not_depend_on_the_input_order(items, rnd):
    shuffled = rnd.sample(items, len(items))
    as_nfc = [unicodedata.normalize("NFC", n) for n in vn_sorted(items)]
    assert as_nfc == [unicodedata.normalize("NFC", n) for n in vn_sorted(shuffled)]


@given(vietnamese_names)
def test_case_never_changes_the_place_of_a_name(name):
    assert vn_key(name.upper())[0] == vn_key(name.lower())[0] == vn_key(name)[0]
