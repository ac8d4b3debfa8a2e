"""`station cards ROSTER.csv OUT`: cards printed, the roster kept in the session log."""

from __future__ import annotations

import re
import sqlite3

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from station.cli import main


def setup(tmp_path, roster: str):
    (tmp_path / "station.toml").write_text('[store]\npath = "sessions.sqlite3"\n')
    (tmp_path / "roster.csv").write_text(roster)
    return ["--config", str(tmp_path / "station.toml"), str(tmp_path / "roster.csv")]


def test_cards_as_png_pages_hold_each_athletes_code(tmp_path, capsys):
    args = setup(tmp_path, "name,nickname\nSam Jones,Sam\nAlex Kim,\nPriya Shah,\n")
    assert main(["cards", *args, str(tmp_path / "cards.png"), "--layout", "a5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 cards (a5, station ")
    pages = sorted(tmp_path.glob("cards-*.png"))
    assert [p.name for p in pages] == ["cards-01.png", "cards-02.png"]  # two cards a page
    db = sqlite3.connect(tmp_path / "sessions.sqlite3")
    station = db.execute("SELECT value FROM meta WHERE key = 'station_id'").fetchone()[0]
    cards = [r[0] for r in db.execute("SELECT card FROM athletes ORDER BY number")]
    read = []
    for page in pages:
        img = np.asarray(Image.open(page).convert("L").reduce(4))
        read += sorted((r.position.top_left.y, r.text) for r in zxingcpp.read_barcodes(img))
    assert [t for _, t in read] == [f"HS1:{station}:{c}" for c in cards]
    assert "Sam" not in "".join(t for _, t in read)  # the code holds no name


def test_a_folder_as_out_gets_cards_pages_inside_as_the_help_says(tmp_path, capsys):
    """The help promised OUT-01.png whatever OUT was; a folder gets FOLDER/cards-01.png."""
    args = setup(tmp_path, "name\nSam Jones\nAlex Kim\n")
    (tmp_path / "printed").mkdir()
    assert main(["cards", *args, str(tmp_path / "printed")]) == 0
    assert sorted(p.name for p in (tmp_path / "printed").iterdir()) == [
        "cards-01.png", "cards-02.png"]
    assert not list(tmp_path.glob("printed-*.png"))
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["cards", "--help"])
    assert ("an existing folder: PNG pages FOLDER/cards-01.png...; anything else: PNG pages "
            "OUT-01.png...") in " ".join(capsys.readouterr().out.split())


def test_one_athlete_is_one_card(tmp_path, capsys):
    """A roster of one printed "1 cards"."""
    args = setup(tmp_path, "name\nSam Jones\n")
    assert main(["cards", *args, str(tmp_path / "sam.pdf")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 card (a4, station ")
    assert f" written to {tmp_path / 'sam.pdf'}; the roster is in " in out


def test_printing_again_keeps_every_card(tmp_path, capsys):
    args = setup(tmp_path, "name\nSam Jones\nAlex Kim\n")
    assert main(["cards", *args, str(tmp_path / "a.pdf")]) == 0
    db = sqlite3.connect(tmp_path / "sessions.sqlite3")
    before = db.execute("SELECT name, card FROM athletes ORDER BY id").fetchall()
    (tmp_path / "roster.csv").write_text("name\nAlex Kim\nSam Jones\nDana Fox\n")
    assert main(["cards", *args, str(tmp_path / "b.pdf")]) == 0
    after = db.execute("SELECT name, card FROM athletes ORDER BY id").fetchall()
    assert after[:2] == before and after[2][0] == "Dana Fox"
    pdf = (tmp_path / "b.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 3  # a4: one card a page


def test_a_bad_roster_is_one_line_and_status_2(tmp_path, capsys):
    args = setup(tmp_path, "name,card\nSam,AB3D5FGH\nAlex,AB3D5FGH\n")
    assert main(["cards", *args, str(tmp_path / "c.pdf")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"station: error: {tmp_path / 'roster.csv'}: line 3: duplicate card id "
                   "AB3D5FGH (line 2 too)")
    assert not (tmp_path / "c.pdf").exists()
    assert main(["cards", "--config", str(tmp_path / "station.toml"),
                 str(tmp_path / "missing.csv"), str(tmp_path / "c.pdf")]) == 2
    assert capsys.readouterr().err.strip().endswith("missing.csv: roster file not found")


# -- issue 23: the roster read bounded; the cards never overwrite it ------------------------------

def test_a_fifo_as_the_roster_is_refused_at_once(tmp_path, capsys):
    import os

    args = setup(tmp_path, "name\nSam\n")
    fifo = tmp_path / "roster-pipe.csv"
    os.mkfifo(fifo)
    assert main(["cards", args[0], args[1], str(fifo), str(tmp_path / "c.pdf")]) == 2
    assert capsys.readouterr().err == (f"station: error: {fifo}: the roster file is a pipe "
                                       "(FIFO), not a regular file\n")


def test_cards_never_overwrite_the_roster(tmp_path, capsys):
    (tmp_path / "station.toml").write_text('[store]\npath = "sessions.sqlite3"\n')
    roster = tmp_path / "roster.pdf"  # a CSV by another name
    roster.write_text("name\nSam Jones\n")
    assert main(["cards", "--config", str(tmp_path / "station.toml"), str(roster),
                 str(roster)]) == 2
    assert capsys.readouterr().err == (f"station: error: {roster}: the cards would overwrite "
                                       f"the roster ({roster}): name another file\n")
    assert roster.read_text() == "name\nSam Jones\n"


def test_a_roster_past_any_gyms_is_refused(tmp_path, capsys):
    args = setup(tmp_path, "name\n" + "".join(f"Athlete {i}\n" for i in range(2001)))
    assert main(["cards", *args, str(tmp_path / "c.pdf")]) == 2
    assert "2001 athletes, more than the 2000 a roster may hold" in capsys.readouterr().err
