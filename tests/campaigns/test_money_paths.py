"""Money moves only through campaigns/ledger.py: no other module changes a subsidy total."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOTALS = {"allocated_fen", "spent_fen"}
LEDGER = ROOT / "campaigns" / "ledger.py"
SQL_SET = re.compile(r"\b(allocated|spent)_fen\s*=(?!=)", re.IGNORECASE)


def _moves(tree: ast.AST) -> list[str]:
    """The lines of a module that change a total, or call into the ledger's private parts."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "values":
            found += [
                f"{node.lineno}: .values({k.arg}=...)" for k in node.keywords if k.arg in TOTALS
            ]
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [
                f"{node.lineno}: sets .{t.attr}"
                for t in targets
                if isinstance(t, ast.Attribute) and t.attr in TOTALS
            ]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL_SET.search(node.value):
                found.append(f"{node.lineno}: SQL sets a total")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and isinstance(node.value, ast.Name)
            and node.value.id == "ledger"
        ):
            found.append(f"{node.lineno}: ledger.{node.attr}")
    return found


def test_no_module_but_the_ledger_changes_a_subsidy_total():
    offenders = {}
    for package in ("alliance", "campaigns", "authenticity", "donations"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != LEDGER:
                moves = _moves(ast.parse(path.read_text("utf-8")))
                if moves:
                    offenders[str(path.relative_to(ROOT))] = moves
    assert offenders == {}


def test_the_check_finds_each_way_of_changing_a_total():
    sample = """
update(Enrolment).values(spent_fen=Enrolment.spent_fen + 1)
campaign.allocated_fen += 5
enrolment.spent_fen = 0
text("UPDATE enrolment SET spent_fen = spent_fen + :a")
ledger._entry(actor)
"""
    assert len(_moves(ast.parse(sample))) == 5
    assert _moves(ast.parse("select(Enrolment.spent_fen).where(Enrolment.spent_fen == 0)")) == []
