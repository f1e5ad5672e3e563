"""The one-line errors for unknown names."""

from __future__ import annotations

from secondfront.errors import unknown_name


def test_a_typo_among_many_names_gets_one_suggestion_not_the_list() -> None:
    names = [f"variable_{i}" for i in range(39)] + ["troops_toward_southern_border"]
    message = str(unknown_name("variable", "troops_to_southern_border", names))
    assert message == (
        "unknown variable 'troops_to_southern_border'; "
        "did you mean 'troops_toward_southern_border'? (40 valid variables)"
    )


def test_without_a_close_match_every_valid_name_is_listed() -> None:
    message = str(unknown_name("model", "zzz", ["alpha", "beta"]))
    assert message == "unknown model 'zzz'; valid models: alpha, beta"
