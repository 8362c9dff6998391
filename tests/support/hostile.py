"""Hostile values for every kind of field: what people and attackers type."""

from hypothesis import strategies as st

NASTY_TEXT = [
    "", " ", "\x00", "a\x00b", "x" * 20000, "张" * 5000, "😀👩‍👧‍👦🏳️‍🌈", "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>", "' OR 1=1 --", "'; DROP TABLE users; --", "{{ 7*7 }}", "%(name)s",
    "../../etc/passwd", "\u202egnp.exe", "-1", "0", "99999999999999999999", "1e309", "NaN", "null", "[]",
    "2026-02-30", "2026-13-01", "0000-00-00", "0001-01-01", "9999-12-31", "24:00", "25:61", "23:59", "00:00",
    "2026-11-23T23:30", "13800000001", "+86 138 0000 0001", "a@b", "\r\n\r\n", "\t",
]

text_values = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(min_size=0, max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
)
number_values = st.one_of(
    st.sampled_from(["-1", "0", "-999999999", "999999999999999999999", "1.5", "abc", "", "1e10", "NaN",
                     "Infinity", "-Infinity", "1e9999", "²⁰²⁶", "١٢٣"]),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
)
date_values = st.sampled_from(["2026-02-30", "1900-01-01", "0001-01-01", "9999-12-31", "2026-11-23", "", "yesterday",
                               "2026-13-45", "23/11/2026"])
time_values = st.sampled_from(["24:00", "23:59", "00:00", "25:61", "", "9", "09:30", "23:30"])


def value_for(kind: str, choices: list[str] | None):
    if choices:
        return st.one_of(st.sampled_from(choices), text_values)
    return {
        "number": number_values, "date": date_values, "time": time_values,
        "datetime-local": st.one_of(date_values, st.sampled_from(["2026-11-23T23:30", "2026-11-24T00:30"])),
    }.get(kind, text_values)
