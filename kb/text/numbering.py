"""Numbers as documents print them at the start of numbered items, of any
size: Chinese numerals (一, 十二, 一百二十, 一百零一, 兩千), lower-case Roman
numerals (i, xiv, xxxix), and which numbered lines lie outside the rows a
loader made of them (``uncovered``).
"""

import re
from collections.abc import Iterable

# The characters of a Chinese numeral, for regular expression classes.
CN_NUMERAL = "零〇一二兩三四五六七八九十百千萬"
ROMAN_NUMERAL = "ivx"

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_ROMAN = {"i": 1, "v": 5, "x": 10}
_ROMAN_RE = re.compile(r"^(?:x*)(?:ix|iv|v?i{0,3})$")


def cn_number(text: str) -> int | None:
    """A Chinese numeral (or Arabic digits) as a number, None if it is not
    one: 一 → 1, 十二 → 12, 二十 → 20, 一百二十 → 120, 一百零一 → 101,
    一千零五 → 1005, 三萬 → 30000.  Digits written one by one (二〇二三) are
    not a numeral of items."""
    if text.isdigit():
        return int(text)
    if not text or any(character not in CN_NUMERAL for character in text):
        return None
    if "萬" in text:
        high, _, low = text.partition("萬")
        high_value = cn_number(high) if high else None
        low_value = (cn_number(low.removeprefix("零")) if low else 0)
        return None if high_value is None or low_value is None or low_value >= 10_000 else high_value * 10_000 + low_value
    if len(text) == 1:
        return 10 if text == "十" else _CN_DIGITS.get(text)  # 百 alone is no number
    return _below_ten_thousand(text)


def _below_ten_thousand(text: str) -> int | None:
    """A numeral of digits and the units 十, 百, 千, each unit smaller than
    the one before: 一百二十 → 120, 一百零一 → 101, 十五 → 15.  A digit
    left after 百 or 千 with no unit is not numbering (一百二), nor is a
    digit after another (二三), nor a 零 at the end or before a unit other
    than 十 (一千零十 is 1010)."""
    total, digit, last_unit, zero, after_zero = 0, None, 10_000, False, False
    for character in text:
        if character in _CN_DIGITS:
            value = _CN_DIGITS[character]
            if digit is not None or value == 0 and (zero or not total):
                return None
            if value == 0:
                zero = True
            else:
                digit, after_zero, zero = value, zero, False
            continue
        unit = _CN_UNITS[character]
        if unit >= last_unit or zero and unit != 10:
            return None  # 十百, 一千零百
        total += (1 if digit is None else digit) * unit
        digit, last_unit, zero = None, unit, False
    if zero:
        return None
    if digit is not None:
        if last_unit != 10 and not after_zero:
            return None
        total += digit
    return total


def roman_number(text: str) -> int | None:
    """A lower-case Roman numeral of i, v and x (1 to 39) as a number, None
    if it is not one in the usual form (iiii, vx)."""
    if not text or not _ROMAN_RE.match(text):
        return None
    values = [_ROMAN[character] for character in text]
    return sum(-value if k + 1 < len(values) and value < values[k + 1] else value for k, value in enumerate(values))


def uncovered(lines: Iterable[tuple[int, str]], spans: Iterable[tuple[int | None, int | None]]) -> list[tuple[int, str]]:
    """The ``(line number, text)`` lines that lie in none of the inclusive
    line ``spans`` (a row's first and last line; spans with no start are
    ignored)."""
    ranges = sorted((start, end if end is not None else start) for start, end in spans if start is not None)
    found = []
    for number, text in lines:
        if not any(start <= number <= end for start, end in ranges):
            found.append((number, text))
    return found


def cn_numeral(number: int) -> str:
    """A number from 1 to 9999 as a Chinese numeral, as documents number
    items: 1 → 一, 12 → 十二, 120 → 一百二十, 101 → 一百零一, 1010 → 一千零一十."""
    if not 0 < number < 10_000:
        raise ValueError(f"{number} is not a number from 1 to 9999")
    digits = "零一二三四五六七八九"
    if 10 <= number < 20:
        return "十" + (digits[number - 10] if number > 10 else "")
    text, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit % 10
        if digit:
            text += ("零" if zero else "") + digits[digit] + name
            zero = False
        elif text:
            zero = True
    return text
