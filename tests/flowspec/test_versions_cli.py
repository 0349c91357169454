"""`lahitori flows publish | versions | diff | export | rollback` on SQLite and PostgreSQL: what an admin sees."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import PROJECT_ROOT
from bot.flowspec import versions
from tests.conftest import TEST_KEY


@pytest.fixture
def flows(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = Path(shutil.copytree(PROJECT_ROOT / "flows", tmp_path / "flows"))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DATA_KEY", TEST_KEY)
    monkeypatch.setenv("FLOWS_DIR", str(copy))
    return copy


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(["flows", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_publish_versions_diff_export_rollback(flows, tmp_path, capsys):
    assert run(capsys, "publish", "--note", "ensimmäinen", "--by", "admin:sari") == (
        0, "published flow version 1 (17 files)\n", "")
    code, out, _ = run(capsys, "publish", str(flows), "--note", "sama")
    assert code == 0 and out == "nothing published: the flows in " f"{flows} are the same as the newest version, 1\n"

    main_yaml = flows / "main.yaml"
    main_yaml.write_text(main_yaml.read_text().replace("Hyvää jatkoa!", "Mukavaa päivää!"))
    assert run(capsys, "publish", "--note", "parempi hyvästi")[:2] == (0, "published flow version 2 (17 files)\n")

    code, out, _ = run(capsys, "versions")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["version", "published", "by", "note"]
    stamp = r"\d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d{2}"
    assert re.fullmatch(rf"\s+2  {stamp}\s+admin:\S+\s+parempi hyvästi", lines[1]), lines[1]
    assert re.fullmatch(rf"\s+1  {stamp}\s+admin:sari\s+ensimmäinen", lines[2]), lines[2]

    code, out, _ = run(capsys, "diff", "1", "2")
    assert code == 0 and out.startswith("--- v1/main.yaml\n+++ v2/main.yaml\n@@ ")
    changed = [line for line in out.splitlines() if line[:1] in "+-" and not line.startswith(("---", "+++"))]
    assert len(changed) == 2 and "Hyvää jatkoa!" in changed[0] and "Mukavaa päivää!" in changed[1]
    assert run(capsys, "diff", "2", "2")[:2] == (0, "versions 2 and 2 have the same flows\n")

    out_dir = tmp_path / "v1"
    assert run(capsys, "export", "1", str(out_dir)) == (0, f"flow version 1 written to {out_dir} (17 files)\n", "")
    assert versions.read_files(out_dir) == versions.read_files(PROJECT_ROOT / "flows")
    code, _, err = run(capsys, "export", "2", str(out_dir))
    assert code == 1 and "already holds flow files" in err and "--replace" in err
    assert run(capsys, "export", "2", str(out_dir), "--replace")[0] == 0
    assert versions.read_files(out_dir) == versions.read_files(flows)

    code, out, _ = run(capsys, "rollback", "1", "--by", "admin:sari")
    assert code == 0 and out.startswith("published flow version 3: the flows of version 1\n")
    assert f"lahitori flows export 3 {flows} --replace" in out
    assert run(capsys, "rollback", "1")[:2] == (
        0, "nothing published: version 1's flows are already the newest version, 3\n")
    code, out, _ = run(capsys, "versions")
    assert re.search(r"^\s+3  .*admin:sari\s+rollback to v1$", out, re.M), out
    code, out, _ = run(capsys, "diff", "1", "3")
    assert out == "versions 1 and 3 have the same flows\n"


def test_problems_and_unknown_versions(flows, capsys):
    assert run(capsys, "versions")[:2] == (0, "no published flow versions yet (`lahitori flows publish`, or start "
                                              "the bot)\n")
    (flows / "intake.yaml").write_text("id: intake\n")
    code, out, err = run(capsys, "publish")
    assert code == 1 and out.startswith(f"{flows / 'intake.yaml'}:1: ") and err.endswith("nothing published\n")
    assert run(capsys, "publish", str(flows / "nowhere"))[0] == 1
    assert run(capsys, "publish", "--note", "x" * 501)[0] == 1
    for argv in (["diff", "1", "2"], ["export", "4", str(flows.parent / "out")], ["rollback", "7"]):
        code, _, err = run(capsys, *argv)
        assert code == 1 and err.startswith("no flow version ") and "lahitori flows versions" in err, argv
    assert run(capsys, "versions")[1].startswith("no published flow versions yet")
