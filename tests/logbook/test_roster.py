"""Roster CSVs: what is read, what is refused (one line naming the file and line)."""

from __future__ import annotations

import pytest

from station.errors import InputError
from station.logbook.read import open_log, roster
from station.logbook.roster import (
    RosterLine,
    import_roster,
    move_athlete,
    parse_roster,
    set_active,
)
from station.store import SessionLog


def test_a_roster_with_names_nicknames_and_kept_cards():
    lines = parse_roster("\ufeffName,Nickname,Card\nSam Jones,Sam,\n  Alex   Kim ,,\n"
                         "Priya Shah,,ab3d5fgh\n\n", "r.csv")
    assert lines == [RosterLine("Sam Jones", "Sam"), RosterLine("Alex Kim"),
                     RosterLine("Priya Shah", "", "AB3D5FGH")]


@pytest.mark.parametrize("text,message", [
    ("", "r.csv: the roster is empty"),
    ("first,last\nSam,Jones\n", "r.csv: line 1: the header must name the columns name"),
    ("name\n", "r.csv: the roster has a header but no athletes"),
    ("name\nSam\nsam\n", "r.csv: line 3: 'sam' is on the roster twice (line 2 too)"),
    ("name,card\nSam,AB3D5FGH\nAlex,ab3d5fgh\n",
     "r.csv: line 3: duplicate card id AB3D5FGH (line 2 too)"),
    ("name,card\nSam,XYZ\n", "r.csv: line 2: card 'XYZ' is not a card id"),
    ("name\nSam,Jones\n", "r.csv: line 2: 2 fields, the header has 1"),
    ("name,nickname\n ,Sam\n", "r.csv: line 2: the name is empty"),
    ("name\n" + "x" * 41 + "\n", "r.csv: line 2: name 'xxxxxxxxxxxxxxxxxxxx'... is longer"),
])
def test_a_bad_roster_is_one_line_naming_file_and_line(text, message):
    with pytest.raises(InputError) as err:
        parse_roster(text, "r.csv")
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_importing_again_keeps_cards_and_adds_only_the_new(tmp_path):
    path = tmp_path / "s.sqlite3"
    SessionLog(path).close()
    db = open_log(path, write=True)
    first = import_roster(db, [RosterLine("Sam Jones", "Sam"), RosterLine("Alex Kim")], "t")
    again = import_roster(db, [RosterLine("Alex Kim", "Al"), RosterLine("Sam Jones", "Sam"),
                               RosterLine("Dana Fox")], "t")
    assert [a["card"] for a in again[:2]] == [first[1]["card"], first[0]["card"]]
    assert [a["number"] for a in again] == [2, 1, 3]
    assert again[0]["nickname"] == "Al"
    assert len({a["card"] for a in again}) == 3
    whats = [r[0] for r in db.execute("SELECT what FROM audit ORDER BY id")]
    assert whats == ["roster add", "roster add", "roster update", "roster add"]


def test_a_card_listed_for_another_name_changes_nothing(tmp_path):
    path = tmp_path / "s.sqlite3"
    SessionLog(path).close()
    db = open_log(path, write=True)
    (sam,) = import_roster(db, [RosterLine("Sam Jones")], "t")
    other = "Z" * 8 if sam["card"] != "Z" * 8 else "Y" * 8
    with pytest.raises(InputError, match="'Sam Jones' is on this station's roster with card"):
        import_roster(db, [RosterLine("Dana Fox"), RosterLine("Sam Jones", "", other)], "t")
    assert [a["name"] for a in roster(db)] == ["Sam Jones"]  # Dana's line rolled back too


def test_the_rotation_order_moves_and_removed_athletes_leave_it(tmp_path):
    path = tmp_path / "s.sqlite3"
    SessionLog(path).close()
    db = open_log(path, write=True)
    people = import_roster(db, [RosterLine(n) for n in ("A", "B", "C")], "t")
    move_athlete(db, people[2]["id"], -1, "t")
    assert [a["name"] for a in roster(db)] == ["A", "C", "B"]
    set_active(db, people[0]["id"], False, "t")
    assert [a["name"] for a in roster(db)] == ["C", "B"]
    assert len(roster(db, active_only=False)) == 3
