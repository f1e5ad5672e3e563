"""The one-line errors for unknown names; errors that cross process boundaries."""

from __future__ import annotations

import pickle

from secondfront.errors import Diagnostic, SpecError, unknown_name


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


def test_a_spec_error_survives_pickling_as_raised_in_a_worker_process() -> None:
    error = SpecError([Diagnostic("b.yaml", 3, 4, "second"), Diagnostic("a.yaml", 1, 2, "first")])
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is SpecError
    assert copy.diagnostics == error.diagnostics
    assert str(copy) == str(error) == "a.yaml:1:2: error: first\nb.yaml:3:4: error: second"
