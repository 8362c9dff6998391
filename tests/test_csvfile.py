"""The one CSV writer every export uses (incubator/csvfile.py)."""

import csv
import io

from incubator import csvfile


def test_formulas_become_text_and_numbers_stay_numbers():
    assert csvfile.safe('=HYPERLINK("http://evil.example")') == '\'=HYPERLINK("http://evil.example")'
    assert csvfile.safe("@SUM(1+1)") == "'@SUM(1+1)"
    assert csvfile.safe("+8613900000000") == "+8613900000000"
    assert csvfile.safe("-12.50") == "-12.50" and csvfile.safe(-3) == "-3"
    assert csvfile.safe("-1+2") == "'-1+2"
    assert csvfile.safe(None) == ""


def test_a_long_export_comes_in_pieces_that_read_back_whole():
    rows = ([n, f"直播练习 {n}", "=cmd"] for n in range(5000))
    pieces = list(csvfile.lines(["编号", "用途", "备注"], rows))
    assert pieces[0].startswith(csvfile.BOM) and 2 < len(pieces) < 5000
    read = list(csv.reader(io.StringIO("".join(pieces).removeprefix(csvfile.BOM))))
    assert read[0] == ["编号", "用途", "备注"] and len(read) == 5001
    assert read[-1] == ["4999", "直播练习 4999", "'=cmd"]
