"""bench/news_eval.py's scoring on a tiny hand-made judged file."""

import importlib.util
import json
import math
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("news_eval", Path(__file__).parent.parent / "bench" / "news_eval.py")
news_eval = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(news_eval)


def test_scores_on_a_tiny_judged_file(tmp_path):
    rows = [
        {"n": 1, "id": "a", "grade": 2, "reason": ""},
        {"n": 1, "id": "b", "grade": 1, "reason": ""},
        {"n": 1, "id": "c", "grade": 0, "reason": ""},
        {"n": 2, "id": "x", "grade": 2, "reason": ""},
        {"n": 3, "id": "z", "grade": 0, "reason": ""},  # nothing relevant: left out
    ]
    judged = tmp_path / "news.jsonl"
    judged.write_text("".join(json.dumps(r) + "\n" for r in rows))
    grades = news_eval.read_grades(judged)
    runs = {1: ["c", "a", "u"], 2: ["x"], 3: ["z"]}  # u is unjudged
    result = news_eval.score(runs, grades)

    ndcg_1 = (2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert math.isclose(result["per_query"][1], round(ndcg_1, 4))
    assert result["per_query"][2] == 1.0
    assert result["queries"] == 2 and result["left_out"] == 1
    assert math.isclose(result["all"]["ndcg@10"], (ndcg_1 + 1) / 2)
    assert math.isclose(result["odd"]["ndcg@10"], ndcg_1) and result["even"]["ndcg@10"] == 1.0
    assert math.isclose(result["all"]["p@5"], (1 / 5 + 1 / 5) / 2)
    assert math.isclose(result["hole_rate"], 1 / 5)
